import type { Interaction, InteractionResults, KoaContext, Provider } from 'oidc-provider';
import { findConnection } from './connections.js';
import type { IdpConnection } from './connections.js';
import type { IdpSettings } from './idp-options.js';
import { findOrganization } from './organizations.js';
import type { IdpOrganization } from './organizations.js';

/** One request to a page of an interaction, and what answering it needs. */
export interface InteractionStep {
  readonly ctx: KoaContext;
  readonly provider: Provider;
  readonly settings: IdpSettings;
  readonly interaction: Interaction;
}

/** Where oidc-provider sends the browser for a prompt; Auth0's Universal Login also lives under /u/. */
export function interactionPath(uid: string): string {
  return `/u/${encodeURIComponent(uid)}`;
}

/** Ends the interaction and sends the browser back to oidc-provider, which continues or redirects to the app. */
export async function finish(step: InteractionStep, result: InteractionResults, merge = false): Promise<void> {
  const { ctx, provider } = step;
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(returnTo);
  ctx.status = 303;
}

export async function clientName({ provider, interaction }: InteractionStep): Promise<string> {
  const client = interaction.params.client_id ? await provider.Client.find(interaction.params.client_id) : undefined;
  return client?.clientName ?? client?.clientId ?? 'the application';
}

/** The organization the authorization request named; /authorize has already refused unknown ones. */
export function requestedOrganization({ settings, interaction }: InteractionStep): IdpOrganization | undefined {
  const value = interaction.params.organization;
  return value === undefined ? undefined : findOrganization(settings.organizations, value);
}

/** The connection the authorization request named; /authorize has already refused unknown ones. */
export function requestedConnection({ settings, interaction }: InteractionStep): IdpConnection | undefined {
  const value = interaction.params.connection;
  return value === undefined ? undefined : findConnection(settings.connections, value);
}

/** What every login-prompt page says about the request: the client, organization and connection. */
export async function promptContext(
  step: InteractionStep,
  page: 'login' | 'signup' | 'social',
): Promise<{ action: string; clientName: string; organizationName?: string; connectionName?: string }> {
  const organizationName = requestedOrganization(step)?.name;
  const connectionName = requestedConnection(step)?.name;
  return {
    action: `${interactionPath(step.interaction.uid)}/${page}`,
    clientName: await clientName(step),
    ...(organizationName ? { organizationName } : {}),
    ...(connectionName ? { connectionName } : {}),
  };
}
