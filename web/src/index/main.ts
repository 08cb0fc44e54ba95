// The landing page: three cards (index.html), each with a small picture of its page drawn here.
import { pageReady, startPage } from '../shared/page.js';
import { drawThumbnails } from './thumbnails.js';
import './index.css';

startPage();
drawThumbnails();
pageReady();
