import './styles.css';
import { App } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  try {
    const config = await loadConfig();
    await new App({ config }).start();
  } catch (error) {
    // Nothing of the app is usable without its configuration: say why, in the page.
    const loading = document.getElementById('loading');
    const problem = document.getElementById('problem');
    if (loading) loading.hidden = true;
    if (problem) problem.textContent = error instanceof Error ? error.message : String(error);
  }
}

void main();
