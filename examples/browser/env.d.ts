// Types for Vite's `?url` asset imports used by the demo page.
declare module '*?url' {
  const url: string;
  export default url;
}
