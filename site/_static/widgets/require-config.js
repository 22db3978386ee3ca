// The widget renderer (embed-amd.js) finds its fonts relative to require.js's base URL, the
// page's folder by default: make it this folder, where scripts/site.py copies the renderer.
require.config({ baseUrl: document.currentScript.src.replace(/[^/]*$/, "") });
