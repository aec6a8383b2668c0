//! The async drive loop over [`Endpoint::step`]: answers the core's needs through the store,
//! the outbound fetcher and the accounts, applies its writes through the store, until the
//! endpoint responds or (the authorization endpoint and device verification) asks for user
//! interaction.

use authcore_server::{Answer, Context, Endpoint, Finished, Need, Step, Supplied};

use crate::provider::Provider;
use crate::store::StoreError;

/// The most steps one request may take: every endpoint of the core finishes in a handful;
/// a loop that does not is a bug, answered as an error rather than spinning.
const MAX_STEPS: usize = 64;

/// Why a drive ended without the endpoint's answer.
#[derive(Debug)]
pub(crate) enum DriveError {
    /// The store failed.
    Store(StoreError),
    /// The endpoint did not finish within [`MAX_STEPS`].
    Runaway,
}

impl From<StoreError> for DriveError {
    fn from(e: StoreError) -> Self {
        DriveError::Store(e)
    }
}

impl Provider {
    /// Answers one need.
    pub(crate) async fn answer(
        &self,
        need: &Need,
        ctx: &Context<'_>,
    ) -> Result<Answer, StoreError> {
        match need {
            Need::Fetch(url) => Ok(Answer::Fetched(match self.inner.fetcher.get(url).await {
                Ok(body) => Some(body),
                Err(e) => {
                    tracing::info!(error = %e, "outbound fetch failed");
                    None
                }
            })),
            Need::ResourceOwnerPassword(check) => Ok(Answer::Subject(
                crate::accounts::check_password(
                    self.inner.store.as_ref(),
                    &check.username,
                    &check.password,
                )
                .await?
                .map(|a| a.subject),
            )),
            // The end-user's claims are the account's (the core releases only what the scopes
            // and the `claims` request allow, OpenID Connect Core §5.4, §5.5).
            Need::Claims { subject, .. } => Ok(Answer::Claims(
                self.inner
                    .store
                    .account_by_subject(subject.clone())
                    .await?
                    .map(|a| a.claims),
            )),
            // This provider is its own authorization server: its resource endpoints resolve
            // their tokens themselves and never ask another server.
            Need::Introspect(_) => Ok(Answer::Introspected(None)),
            other => self.inner.store.answer(other.clone(), ctx.now).await,
        }
    }

    /// Runs `endpoint` to its end.
    pub(crate) async fn drive<E: Endpoint + Send + ?Sized>(
        &self,
        endpoint: &mut E,
        ctx: &Context<'_>,
    ) -> Result<Finished, DriveError> {
        let mut supplied = Supplied::new();
        for _ in 0..MAX_STEPS {
            match endpoint.step(ctx, &supplied) {
                Step::Need(needs) => {
                    for need in needs {
                        let answer = self.answer(&need, ctx).await?;
                        supplied.answer(need, answer);
                    }
                }
                Step::Write(writes) => {
                    let outcomes = self.inner.store.apply(writes, ctx.now).await?;
                    supplied.record_outcomes(outcomes);
                }
                Step::Respond(response) => return Ok(Finished::Respond(response)),
                Step::Interact(interaction) => return Ok(Finished::Interact(interaction)),
            }
        }
        Err(DriveError::Runaway)
    }
}
