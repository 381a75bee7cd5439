// One Vite project, three HTML entries: the center pages (center.html, served by the center), the
// field app (app.html, inside Tauri) and the center's public credential check (verify.html, no
// sign-in); all share src/lib (components, message catalogue).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// `npm run dev` / `vite preview` talk to a real center server through this proxy, so the pages
// keep using same-origin relative URLs (/v1/..., /public/...) exactly as when the server serves them itself.
// Production builds ignore it.
const server = process.env.FIELDCASE_SERVER ?? 'http://127.0.0.1:8080';
const proxy = {
  '/v1': { target: server, changeOrigin: true },
  '/public': { target: server, changeOrigin: true },
};

// The Content-Security-Policy the server sends with the pages (sync-server/src/pages.rs), so
// `vite preview` fails the same way if a change needs inline script or style or another origin.
const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
  "connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'none'";

export default defineConfig({
  // Relative asset URLs: the same dist/ works under any prefix of the server and inside Tauri.
  base: './',
  plugins: [svelte()],
  // Component tests mount Svelte in jsdom: they need Svelte's browser build, not its server one.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Tauri's WebViews (WebKitGTK, WKWebView) are Safari-class; desktop Chromium for the center.
    target: ['es2022', 'safari15'],
    rollupOptions: {
      input: {
        center: resolve(root, 'center.html'),
        app: resolve(root, 'app.html'),
        verify: resolve(root, 'verify.html'),
      },
    },
  },
  server: { proxy },
  preview: { proxy, headers: { 'Content-Security-Policy': csp } },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
