// Entry of center.html: the shared theme, the locale's lang attribute, the app.
import '../lib/theme.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { locale } from '../lib/i18n';

document.documentElement.lang = locale();

const target = document.getElementById('app');
if (!target) throw new Error('center.html has no #app element');
export default mount(App, { target });
