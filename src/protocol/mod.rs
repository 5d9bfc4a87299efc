//! The wire format: request and response bodies with the seed's field names, and their
//! conversion to and from `domain`. Server and client both speak through these types.

mod count;
mod lifecycle;
mod objects;
pub mod paths;
pub mod pattern;
mod requests;
mod responses;
mod schema;

#[cfg(test)]
mod properties;

pub use count::Count;
pub use lifecycle::*;
pub use objects::{check_body_objects, check_objects};
pub use requests::*;
pub use responses::*;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every error, everywhere: the seed client shows `message`; 401s keep the seed's
/// `"authenticated": false`; `field` names the input that was wrong.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticated: Option<bool>,
}
