//! A sign-in in a real browser against `authcore serve --dev`: Debian's `chromium`, driven
//! headless by npm `puppeteer-core` (`tests/interop/serve/browser_rp.mjs`), fills in the
//! provider's login and consent pages for a small relying party (a node http server on
//! 127.0.0.1 using openid-client), reaches its callback, which shows the validated ID token
//! claims. A screenshot of each page is kept in `target/serve-browser/`.
//!
//! Chromium is installed by package name by `tests/interop/serve/install_chromium.sh` when
//! `/usr/bin/chromium` is missing; the node packages by `tests/interop/setup.sh`. Every wait
//! is bounded; the browser, the relying party and the server stop however the test ends.

use std::process::Command;

use authcore_tests::peers::{self, SETUP_LIMIT};
use authcore_tests::serve::{Serve, assert_all_passed, node, output_dir, run_script, scripts_dir};

#[test]
fn chromium_signs_in_through_the_login_and_consent_pages() {
    let mut install = Command::new("bash");
    install.arg(scripts_dir().join("install_chromium.sh"));
    peers::run(install, b"", SETUP_LIMIT, "install_chromium.sh");
    peers::setup();

    let out = output_dir("serve-browser");
    let serve = Serve::start();
    let mut cmd = node();
    cmd.arg("browser_rp.mjs")
        .arg(&serve.issuer)
        .arg(&out)
        .arg("authcore");
    let checks = run_script(cmd, "browser");
    assert_all_passed(&checks, &serve.log_text());

    // The screenshots of the pages the browser went through, in order.
    let shots = authcore_tests::serve::screenshots(&out);
    for page in ["login", "consent", "callback"] {
        assert!(
            shots.iter().any(|s| s.ends_with(&format!("-{page}.png"))),
            "no screenshot of the {page} page in {}: {shots:?}",
            out.display()
        );
    }
    eprintln!("screenshots in {}: {}", out.display(), shots.join(", "));
}
