// Svelte 5 compiles TypeScript in <script lang="ts"> itself: no preprocessor is needed. The file
// exists so the tools (vite-plugin-svelte, svelte-check) agree on that.
export default {};
