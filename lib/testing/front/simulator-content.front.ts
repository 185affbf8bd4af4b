import type {
  SimCustomerMessageInput,
  SimCustomerMessageResult,
  SimCustomerServiceMessage,
  SimCustomerSession,
  SimTempMedia,
} from '../customer-service/customer-service.interfaces';
import type { SimCodeContent, SimLink, SimOpenLinkInput, SimOpenLinkResult, SimPages, SimPagesInput } from '../links/links.interfaces';
import type { SimSecurityCheck, SimSecurityVerdicts, SimSecurityVerdictsInput } from '../security/security.interfaces';
import { SimulatorAfterPayFront } from './simulator-after-pay.front';

/**
 * Customer-service messages, entry links and content security in {@link WeChatSimulator}.
 * @internal
 */
export class SimulatorContentFront extends SimulatorAfterPayFront {
  /**
   * Plays the user writing to customer service (`msgType`) or entering its session (`event: 'enter'`): opens the window
   * in which the app may answer, and pushes the message to the app (resolving after the first attempt) when it has a push
   * configured; twin of `POST /__sim/customerMessage`.
   * @throws SimulatorInputError 400 for bad input, 404 for an unknown user.
   */
  customerMessage(input: SimCustomerMessageInput): Promise<SimCustomerMessageResult> {
    return this.customerServiceState.userMessage(input);
  }

  /**
   * What the apps sent through customer service (to one user with `openId`), typing commands too, oldest first; twin of
   * `GET /__sim/customerMessages?openId=`.
   */
  customerMessages(openId?: string): SimCustomerServiceMessage[] {
    return this.customerServiceState.messages(openId);
  }

  /** Forgets what the apps sent through customer service; twin of `DELETE /__sim/customerMessages`. */
  clearCustomerMessages(): void {
    this.customerServiceState.clearMessages();
  }

  /** A user's customer-service session with an app (the first by default); twin of `GET /__sim/customerSession?openId=`. */
  customerSession(openId: string, appId?: string): SimCustomerSession {
    return this.customerServiceState.session(openId, appId);
  }

  /** A temporary image an app uploaded or a user sent, until it expires (3 days); served by `GET /__sim/media?mediaId=`. */
  tempMedia(mediaId: string): SimTempMedia | undefined {
    return this.customerServiceState.media.get(mediaId);
  }

  /**
   * What a mini program code the simulator drew carries (its scene, page and version), read from the PNG's tEXt chunk;
   * twin of `POST /__sim/readCode`.
   * @throws SimulatorInputError 400 for an image that is not such a code.
   */
  readCode(png: Buffer): SimCodeContent {
    return this.linksState.readCode(png);
  }

  /** The codes drawn and links generated (one app's with `appId`), oldest first, with their visits; twin of `GET /__sim/links`. */
  links(appId?: string): SimLink[] {
    return this.linksState.list(appId === undefined ? undefined : this.state.resolveApp(appId).appId);
  }

  /**
   * Plays a user opening a URL Scheme, URL Link or Short Link: the visit is recorded (`queryScheme` names the first
   * visitor) and the page it opens answered; twin of `POST /__sim/openLink`.
   * @throws SimulatorInputError 404 for a link the simulator did not generate, 410 for an expired one.
   */
  openLink(input: SimOpenLinkInput): SimOpenLinkResult {
    return this.linksState.openLink(input);
  }

  /**
   * Sets the pages an app has (its `app.json`; the first app's by default), or `null` to accept any well-formed page
   * again: with a list, codes (with `check_path`) and links to other pages are refused; twin of `POST /__sim/pages`.
   */
  setPages(input: SimPagesInput): SimPages {
    return this.linksState.setPages(input);
  }

  /** The pages an app has (the first app's by default); `null` while any well-formed page is accepted; twin of `GET /__sim/pages`. */
  pages(appId?: string): SimPages {
    return this.linksState.pagesOf(this.state.resolveApp(appId).appId);
  }

  /** Scripts the verdicts of content checks (all pass until told otherwise); twin of `POST /__sim/securityVerdicts`. */
  setSecurityVerdicts(input: SimSecurityVerdictsInput): SimSecurityVerdicts {
    return this.securityState.configure(input);
  }

  /** The scripted verdicts of content checks; twin of `GET /__sim/securityVerdicts`. */
  get securityVerdicts(): SimSecurityVerdicts {
    return this.securityState.verdicts();
  }

  /** Every content check (text and media) with its verdict, oldest first; twin of `GET /__sim/securityChecks`. */
  securityChecks(): SimSecurityCheck[] {
    return this.securityState.list();
  }

  /** Forgets the content checks; twin of `DELETE /__sim/securityChecks`. */
  clearSecurityChecks(): void {
    this.securityState.clear();
  }
}
