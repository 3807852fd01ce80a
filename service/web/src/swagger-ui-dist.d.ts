/** swagger-ui-dist ships no types; the docs page uses this much of it. */
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  interface SwaggerUIOptions {
    readonly url: string;
    readonly dom_id: string;
    readonly deepLinking?: boolean;
    readonly tryItOutEnabled?: boolean;
  }
  export default function SwaggerUIBundle(options: SwaggerUIOptions): unknown;
}
