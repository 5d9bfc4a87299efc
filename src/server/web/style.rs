//! The pages' one stylesheet, compiled in and served at `/s/style.css`. A file of its own
//! rather than inline: the CSP can say `style-src 'self'` with no hash to keep in step with
//! the CSS, and browsers cache it across pages (pages themselves are `no-store`).

use crate::server::http::Reply;

const CSS: &str = include_str!("style.css");

/// Browsers may keep it an hour; a new release's CSS is picked up within that.
pub fn reply() -> Reply {
    Reply::asset("text/css; charset=utf-8", CSS.as_bytes())
        .with_header("Cache-Control", "public, max-age=3600")
}
