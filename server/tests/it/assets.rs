//! The site's files are served as a CDN would: the precompressed brotli or gzip copy by
//! negotiation, immutable caching for content-hashed names; pages and API answers `no-store`.

use super::common::*;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, VARY};

const WASM: &[u8] = b"\0asm plain bytes of the module";
const BROTLI: &[u8] = b"brotli bytes";
const GZIP: &[u8] = b"gzip bytes";

/// A site root whose pkg folder holds a hashed wasm file and its two compressed copies.
fn site(hashed: bool) -> (tempfile::TempDir, leptos::prelude::LeptosOptions) {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("customers.0a1b2c.wasm"), WASM).unwrap();
    std::fs::write(pkg.join("customers.0a1b2c.wasm.br"), BROTLI).unwrap();
    std::fs::write(pkg.join("customers.0a1b2c.wasm.gz"), GZIP).unwrap();
    let mut options = server::default_leptos_options();
    options.site_root = dir.path().display().to_string().into();
    options.hash_files = hashed;
    (dir, options)
}

async fn get(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(ACCEPT_ENCODING, accept)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_wasm_is_sent_precompressed_and_cached_for_a_year() {
    let (_dir, options) = site(true);
    let app = spawn_app_with_site(options).await;
    let path = "/pkg/customers.0a1b2c.wasm";

    let br = get(&app, path, "gzip, deflate, br").await;
    assert_eq!(br.status(), 200);
    assert_eq!(header(&br, CONTENT_ENCODING.as_str()), "br");
    assert_eq!(header(&br, "content-type"), "application/wasm");
    assert!(header(&br, VARY.as_str())
        .to_lowercase()
        .contains("accept-encoding"));
    assert_eq!(
        header(&br, CACHE_CONTROL.as_str()),
        "public, max-age=31536000, immutable"
    );
    assert!(
        header(&br, "set-cookie").is_empty(),
        "no session work for a file"
    );
    assert_eq!(br.bytes().await.unwrap().as_ref(), BROTLI);

    let gz = get(&app, path, "gzip").await;
    assert_eq!(header(&gz, CONTENT_ENCODING.as_str()), "gzip");
    assert_eq!(gz.bytes().await.unwrap().as_ref(), GZIP);

    let plain = get(&app, path, "identity").await;
    assert!(header(&plain, CONTENT_ENCODING.as_str()).is_empty());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), WASM);

    // A file that is not there is not cached (a deploy in progress must not stick).
    let missing = get(&app, "/pkg/customers.ffffff.wasm", "br").await;
    assert_eq!(missing.status(), 404);
    assert_ne!(
        header(&missing, CACHE_CONTROL.as_str()),
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn without_hashed_names_the_files_are_revalidated() {
    let (_dir, options) = site(false);
    let app = spawn_app_with_site(options).await;
    let res = get(&app, "/pkg/customers.0a1b2c.wasm", "br").await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, CACHE_CONTROL.as_str()), "no-cache");
}

#[tokio::test]
async fn pages_and_api_answers_are_not_stored() {
    let app = spawn_app().await;
    let page = get(&app, "/login", "br").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, CACHE_CONTROL.as_str()), "no-store");
    let cookie = app.staff_cookies().await.admin;
    let api = app
        .client
        .post(app.url("/api/list_customers"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({ "query": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert_eq!(header(&api, CACHE_CONTROL.as_str()), "no-store");
}
