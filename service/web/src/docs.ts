/**
 * The API's docs page: Swagger UI rendering the contract the environment's API serves at
 * `/openapi.json`, from this release's own bundle (no CDN; the page's CSP allows only itself).
 */
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import { loadConfig } from './config';

async function start(): Promise<void> {
  try {
    const { apiUrl } = await loadConfig();
    SwaggerUIBundle({
      url: `${apiUrl}/openapi.json`,
      dom_id: '#docs',
      deepLinking: true,
      // The environment's data is real: requests are sent only when a reader asks for one.
      tryItOutEnabled: false,
    });
  } catch (err) {
    const problem = document.getElementById('docs-problem');
    if (problem) {
      problem.textContent = (err as Error).message;
      problem.hidden = false;
    }
  }
}

void start();
