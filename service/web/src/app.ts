import { ApiClient, SESSION_EXPIRED, SessionExpiredError, SessionTokens, User } from './api';
import { WebConfig } from './config';
import { MemoriesView } from './memories-view';
import { element, Messages } from './page';
import { SignInView } from './sign-in-view';

export interface AppProps {
  readonly config: WebConfig;
  /** @default window.sessionStorage */
  readonly storage?: Storage;
}

/** The whole front end: one page that is either signed out (sign in / register) or signed in (the memories). */
export class App {
  private readonly messages = new Messages();
  private readonly api: ApiClient;
  private readonly signIn: SignInView;
  private readonly memories: MemoriesView;
  private readonly loading = element('loading', HTMLParagraphElement);
  private readonly account = element('account', HTMLDivElement);
  private readonly signedInAs = element('signed-in-as', HTMLSpanElement);
  private readonly signOut = element('sign-out', HTMLButtonElement);

  constructor(props: AppProps) {
    this.api = new ApiClient({
      apiUrl: props.config.apiUrl,
      tokens: new SessionTokens(props.storage ?? window.sessionStorage),
      onSessionExpired: () => this.sessionExpired(),
    });
    this.signIn = new SignInView({ api: this.api, messages: this.messages, onSignedIn: (user) => this.enter(user) });
    this.memories = new MemoriesView({ api: this.api, messages: this.messages });
    this.signOut.addEventListener('click', () => void this.leave());

    // Outside prod the page says which environment it is, so test data does not end up in the wrong one.
    if (props.config.environment !== 'prod') {
      const environment = element('environment', HTMLParagraphElement);
      environment.textContent = `${props.config.environment} environment`;
      environment.hidden = false;
    }
  }

  /** Resumes the tab's session after a reload, or asks the user to sign in. */
  async start(): Promise<void> {
    try {
      const user = await this.api.resume();
      this.loading.hidden = true;
      if (user) this.enter(user);
      else this.showSignIn();
    } catch (error) {
      // An ended session has already returned to sign-in with its message; anything else is shown there.
      if (!(error instanceof SessionExpiredError)) this.showSignIn();
      this.messages.report(error);
    }
  }

  private enter(user: User): void {
    this.signIn.hide();
    this.signedInAs.textContent = `Signed in as ${user.email}`;
    this.account.hidden = false;
    void this.messages.guard(() => this.memories.show());
  }

  private async leave(): Promise<void> {
    await this.api.logout();
    this.showSignIn();
    this.messages.tell('You have signed out.');
  }

  private sessionExpired(): void {
    this.showSignIn();
    this.messages.warn(SESSION_EXPIRED);
  }

  private showSignIn(): void {
    this.memories.hide();
    this.account.hidden = true;
    this.signedInAs.textContent = '';
    this.loading.hidden = true;
    this.signIn.show();
  }
}
