// Entry of app.html, the field app inside Tauri: the shared theme plus the field overrides
// (48 px touch targets, larger type, the sunlight theme), the locale, the app.
import '../lib/theme.css';
import './field.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { locale } from '../lib/i18n';

document.documentElement.lang = locale();
if (localStorage.getItem('fieldcase.contrast') === 'high') document.documentElement.classList.add('high-contrast');

const target = document.getElementById('app');
if (!target) throw new Error('app.html has no #app element');
export default mount(App, { target });
