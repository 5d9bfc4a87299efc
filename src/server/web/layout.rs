//! The shell every page shares: doctype, language, viewport, title and the one stylesheet.
//!
//! Markup is written with maud: it escapes every interpolated value unless told otherwise
//! (a survey named `<script>` is text), the templates are checked when canvass compiles, and
//! they are part of the binary, so there are no template files to ship or find at run time.

use maud::{DOCTYPE, Markup, html};

use crate::protocol::paths;

/// A whole page titled `title` around `body`.
pub fn page(title: &str, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(paths::PAGE_STYLESHEET);
            }
            body {
                main { (body) }
            }
        }
    }
}
