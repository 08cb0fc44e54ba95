// The playground page: fills <main> (see playground.html for the shell and its explanation).
import { el, pageReady, startPage } from '../shared/page.js';

const main = startPage();
main.append(el('p', 'panel', 'Coming soon.'));
pageReady();
