//! Times in the reader's zone (#18). The server renders with the zone the browser named in
//! the `tz` cookie (UTC, said so, on a first visit); once the page is live the browser
//! learns its own zone, writes the cookie for the next request, and — if the page was
//! rendered in another zone — its times switch in place (same width, no other change).

use crate::fmt::{fmt_datetime, fmt_datetime_in, relative, Zone, ZONE_COOKIE};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The zone times are shown in (context of the whole app).
#[derive(Clone, Copy)]
pub struct TimeZone(pub RwSignal<Zone>);

/// Puts the zone in context; in the browser, corrects it to the browser's own after mount.
pub fn provide_zone() {
    let zone = RwSignal::new(initial_zone());
    provide_context(TimeZone(zone));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(name) = browser_zone() {
            if cookie_value().as_deref() != Some(name.as_str()) {
                set_cookie(&name);
            }
            let own = Zone::Named(name);
            if zone.get_untracked() != own {
                zone.set(own);
            }
        }
    });
}

/// The server: the cookie's zone. The browser: the same while the cookie names the browser's
/// own zone (the server's text is then what the browser would write); otherwise UTC, so that
/// switching to the browser's zone after mount changes the text and the page is rewritten
/// (the browser computes wall times from its own clock, whatever the cookie says).
fn initial_zone() -> Zone {
    let cookie = cookie_value();
    #[cfg(feature = "hydrate")]
    if cookie.is_some() && cookie != browser_zone() {
        return Zone::Utc;
    }
    Zone::from_cookie(cookie.as_deref())
}

fn zone() -> Zone {
    use_context::<TimeZone>()
        .map(|z| z.0.get())
        .unwrap_or_default()
}

/// The `tz` cookie of the request being rendered.
#[cfg(feature = "ssr")]
fn cookie_value() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    cookie_in(&parts.headers)
}

#[cfg(feature = "ssr")]
fn cookie_in(headers: &http::HeaderMap) -> Option<String> {
    find_cookie(
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// The zone a plain route's request names (its `tz` cookie).
#[cfg(feature = "ssr")]
pub fn zone_of(headers: &http::HeaderMap) -> Zone {
    Zone::from_cookie(cookie_in(headers).as_deref())
}

/// The browser's `tz` cookie.
#[cfg(not(feature = "ssr"))]
fn cookie_value() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let doc: web_sys::HtmlDocument = document().dyn_into().ok()?;
        let all = doc.cookie().ok()?;
        find_cookie(std::iter::once(all.as_str()))
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// The zone of the request being served (its `tz` cookie): what a server function reads
/// the date filters' days in.
#[cfg(feature = "ssr")]
pub fn request_zone() -> Zone {
    Zone::from_cookie(cookie_value().as_deref())
}

fn find_cookie<'a>(headers: impl Iterator<Item = &'a str>) -> Option<String> {
    headers
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == ZONE_COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

/// The browser's IANA zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
#[cfg(feature = "hydrate")]
fn browser_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()?
        .as_string()
        .filter(|z| !z.is_empty())
}

#[cfg(feature = "hydrate")]
fn set_cookie(name: &str) {
    use wasm_bindgen::JsCast;
    if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
        let _ = doc.set_cookie(&format!(
            "{ZONE_COOKIE}={name}; Path=/; Max-Age=31536000; SameSite=Lax"
        ));
    }
}

/// A timestamp in the reader's zone ("2026-11-27 16:25"); UTC on hover.
#[component]
pub fn LocalTime(t: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=t.to_rfc3339() title=fmt_datetime(&t)>
            {move || fmt_datetime_in(&t, &zone())}
        </time>
    }
}

/// How long ago ("3 hours ago"), the exact time in the reader's zone on hover.
#[component]
pub fn Ago(t: DateTime<Utc>) -> impl IntoView {
    let said = relative(&t, &Utc::now());
    view! {
        <time datetime=t.to_rfc3339() title=move || fmt_datetime_in(&t, &zone())>{said}</time>
    }
}
