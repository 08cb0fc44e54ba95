// The landing page: static links (index.html); the module only shows how the library runs here.
import { pageReady, startPage } from '../shared/page.js';

startPage();
pageReady();
