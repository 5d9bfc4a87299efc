//! What every web reply carries besides its body: a strict Content-Security-Policy (nothing
//! but this origin's stylesheet loads, forms post only here, no framing), no sniffing, no
//! referrer (a link out must not leak an invitation code in `?i=`), and no caching of pages
//! (a form holds a one-time token).

use maud::Markup;

use crate::server::http::Reply;

/// `style-src 'self'`: the stylesheet is a file of its own (`style.rs`), so no inline style
/// or script can run, and no hash has to follow each edit of the CSS.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page with `status`, never stored by a browser or a proxy.
pub fn page(status: u16, markup: Markup) -> Reply {
    Reply::html(status, markup.into_string()).with_header("Cache-Control", "no-store")
}

/// The form: kept by the browser alone, and asked for again on every visit — but the back
/// button shows the copy it kept, one-time token and all, so going back and sending it
/// again records nothing new. (`no-store` would make the back button fetch a new form.)
pub fn form(markup: Markup) -> Reply {
    Reply::html(200, markup.into_string()).with_header("Cache-Control", "private, no-cache")
}

/// `reply` with the headers every web reply carries.
pub fn secured(reply: Reply) -> Reply {
    reply
        .with_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("Referrer-Policy", "no-referrer")
}
