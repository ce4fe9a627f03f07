import type { Grant, Interaction } from 'oidc-provider';
import { clientName, finish, interactionPath, requestedOrganization } from './interaction-step.js';
import type { InteractionStep } from './interaction-step.js';
import { isMember, notAMemberDescription } from './organizations.js';
import type { IdpOrganization } from './organizations.js';
import { consentPage, sendHtml, sendMessagePage } from './pages.js';

/** The "Authorize <client>" page, unless the organization refuses the signed-in user first. */
export async function renderConsent(step: InteractionStep): Promise<void> {
  if (await refusedByOrganization(step)) return;
  const { interaction } = step;
  const user = step.settings.store.users.findBySub(interaction.session?.accountId ?? '');
  sendHtml(
    step.ctx,
    200,
    consentPage({
      action: `${interactionPath(interaction.uid)}/consent`,
      clientName: await clientName(step),
      userName: user?.nickname ?? 'there',
      scopes: (interaction.params.scope ?? '').split(' ').filter(Boolean),
      ...(interaction.params.audience ? { audience: interaction.params.audience } : {}),
    }),
  );
}

export async function submitConsent(step: InteractionStep, form: URLSearchParams): Promise<void> {
  const { interaction, settings } = step;
  if (form.get('decision') !== 'accept') {
    return finish(step, { error: 'access_denied', error_description: 'User did not authorize the request' });
  }
  if (await refusedByOrganization(step)) return undefined;
  const accountId = interaction.session?.accountId;
  const clientId = interaction.params.client_id;
  if (!accountId || !clientId) {
    sendMessagePage(step.ctx, 400, 'Sign-in expired', 'Return to the app and start again.');
    return undefined;
  }
  const organization = requestedOrganization(step);
  const grant = await grantFor(step, { accountId, clientId }, organization);
  addMissingGrants(grant, interaction);
  const grantId = await grant.save();
  if (organization) settings.store.grantOrganizations.set(grantId, organization);
  return finish(step, { consent: { grantId } }, true);
}

/**
 * Auth0 checks membership once the user is known, also for a session that skipped the login
 * page, and sends access_denied to the app. Every sign-in reaches consent (native client), so
 * this is the one place to check. True when it has answered the request.
 */
async function refusedByOrganization(step: InteractionStep): Promise<boolean> {
  const organization = requestedOrganization(step);
  const accountId = step.interaction.session?.accountId ?? '';
  if (!organization) return false;
  const user = step.settings.store.users.findBySub(accountId);
  if (user && isMember(organization, user.email)) return false;
  await finish(step, { error: 'access_denied', error_description: notAMemberDescription(accountId, organization) });
  return true;
}

/**
 * The session's grant for the client, unless it was made through another organization (or none):
 * each grant keeps one organization for all its tokens, refreshes included, so such a sign-in gets
 * a grant of its own that starts with what the old one already had.
 */
async function grantFor(
  { provider, interaction, settings }: InteractionStep,
  owner: { accountId: string; clientId: string },
  organization: IdpOrganization | undefined,
): Promise<Grant> {
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  if (!existing) return new provider.Grant(owner);
  if (settings.store.grantOrganizations.get(existing.jti)?.id === organization?.id) return existing;
  const { openid, resources, rejected } = structuredClone({
    openid: existing.openid,
    resources: existing.resources,
    rejected: existing.rejected,
  });
  return new provider.Grant({ ...owner, openid, resources, rejected });
}

/** Grants exactly what the prompt reports missing (see below). */
function addMissingGrants(grant: Grant, interaction: Interaction): void {
  // That includes offline_access whenever the app asked for it, which is what lets the token
  // endpoint hand out a refresh token.
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details;
  if (missingOIDCScope?.length) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims?.length) grant.addOIDCClaims(missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
}
