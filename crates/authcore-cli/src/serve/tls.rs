//! HTTPS for `authcore serve --tls-cert PEM --tls-key PEM`: the certificate chain and key
//! loaded and checked before the server binds.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::Failure;

/// The TLS server configuration from a PEM certificate chain and a PEM private key (PKCS#8,
/// PKCS#1 or SEC1). HTTP/2 and HTTP/1.1 are offered through ALPN (RFC 7301), as the
/// provider serves both.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, Failure> {
    let bytes = |p: &Path, what: &str| {
        std::fs::read(p).map_err(|e| Failure::usage(format!("{what} {}: {e}", p.display())))
    };
    let cert_pem = bytes(cert, "--tls-cert")?;
    let key_pem = bytes(key, "--tls-key")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            Failure::usage(format!(
                "--tls-cert {}: not a PEM certificate chain: {e}",
                cert.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(Failure::usage(format!(
            "--tls-cert {}: no CERTIFICATE block",
            cert.display()
        )));
    }
    let private_key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        Failure::usage(format!(
            "--tls-key {}: not a PEM private key: {e}",
            key.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::usage(format!("TLS: {e}")))?
        .with_no_client_auth()
        // Refuses a key that does not belong to the certificate.
        .with_single_cert(chain, private_key)
        .map_err(|e| {
            Failure::usage(format!(
                "--tls-cert {} and --tls-key {}: {e}",
                cert.display(),
                key.display()
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, body: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("authcore-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let not_pem = temp("not.pem", b"hello");
        let missing = std::path::Path::new("/nonexistent/authcore/cert.pem");
        let e = |r: Result<Arc<rustls::ServerConfig>, Failure>| match r {
            Err(Failure::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        };
        assert!(e(server_config(missing, &not_pem)).contains("--tls-cert"));
        assert!(e(server_config(&not_pem, &not_pem)).contains("no CERTIFICATE"));
        if let Some(dir) = not_pem.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
