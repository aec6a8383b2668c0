//! The authorization endpoint (RFC 6749 §3.1, §4.1; RFC 9700).

mod checks;
mod endpoint;
mod interaction;
mod redirect_uri;
mod request;
mod response;

pub use checks::Refusal;
pub use endpoint::AuthorizationEndpoint;
pub(crate) use endpoint::check_request;
pub(crate) use interaction::prompts_for;
pub use interaction::{Approval, Interaction, InteractionResult, Prompt};
pub use redirect_uri::match_redirect_uri;
pub(crate) use request::describe;
pub use request::{
    FrontChannelRequest, UnreadableRequest, parse_front_channel, read_front_channel_request,
};
pub use response::{FORM_POST_SCRIPT, FORM_POST_SCRIPT_HASH, ResponseTarget, error_page};
