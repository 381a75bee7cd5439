// Entry of verify.html, the center's public credential check (执法证核验): no sign-in, the
// shared theme, the locale's lang attribute, the page.
import '../lib/theme.css';
import { mount } from 'svelte';
import VerifyPage from './VerifyPage.svelte';
import { locale } from '../lib/i18n';

document.documentElement.lang = locale();

const target = document.getElementById('app');
if (!target) throw new Error('verify.html has no #app element');
export default mount(VerifyPage, { target });
