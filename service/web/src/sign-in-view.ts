import { ApiClient, User } from './api';
import { element, Messages, whileBusy } from './page';

type Mode = 'sign-in' | 'register';

/** The words of each mode: one form serves both, so the fields and their labels never differ. */
const MODES: Record<Mode, { heading: string; submit: string; prompt: string; switchTo: string; password: string }> = {
  'sign-in': {
    heading: 'Sign in',
    submit: 'Sign in',
    prompt: 'New to B2?',
    switchTo: 'Create an account',
    password: 'current-password',
  },
  register: {
    heading: 'Create an account',
    submit: 'Create account',
    prompt: 'Already have an account?',
    switchTo: 'Sign in instead',
    password: 'new-password',
  },
};

export interface SignInViewProps {
  readonly api: ApiClient;
  readonly messages: Messages;
  readonly onSignedIn: (user: User) => void;
}

/** Sign in, or create an account and be signed in with it. */
export class SignInView {
  private readonly section = element('sign-in-view', HTMLElement);
  private readonly heading = element('sign-in-heading', HTMLHeadingElement);
  private readonly form = element('sign-in-form', HTMLFormElement);
  private readonly email = element('email', HTMLInputElement);
  private readonly password = element('password', HTMLInputElement);
  private readonly passwordHint = element('password-hint', HTMLParagraphElement);
  private readonly submit = element('sign-in-submit', HTMLButtonElement);
  private readonly prompt = element('mode-switch-prompt', HTMLSpanElement);
  private readonly modeSwitch = element('mode-switch', HTMLButtonElement);
  private mode: Mode = 'sign-in';

  constructor(private readonly props: SignInViewProps) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.props.messages.guard(() => whileBusy(this.submit, () => this.send()));
    });
    this.modeSwitch.addEventListener('click', () => {
      this.props.messages.clear();
      this.setMode(this.mode === 'sign-in' ? 'register' : 'sign-in');
      this.email.focus();
    });
  }

  show(): void {
    this.setMode('sign-in');
    this.password.value = '';
    this.section.hidden = false;
    this.heading.focus();
  }

  hide(): void {
    this.section.hidden = true;
    this.password.value = '';
  }

  private setMode(mode: Mode): void {
    const words = MODES[mode];
    this.mode = mode;
    this.heading.textContent = words.heading;
    this.submit.textContent = words.submit;
    this.prompt.textContent = words.prompt;
    this.modeSwitch.textContent = words.switchTo;
    this.password.setAttribute('autocomplete', words.password);
    // The password rules matter only when a password is chosen.
    this.passwordHint.hidden = mode !== 'register';
    if (mode === 'register') this.password.setAttribute('aria-describedby', this.passwordHint.id);
    else this.password.removeAttribute('aria-describedby');
  }

  private async send(): Promise<void> {
    const email = this.email.value.trim();
    const password = this.password.value;
    const user =
      this.mode === 'register'
        ? await this.props.api.register(email, password)
        : await this.props.api.login(email, password);
    this.props.messages.clear();
    this.props.onSignedIn(user);
  }
}
