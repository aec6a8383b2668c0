//! What the core needs from a TLS client certificate for `tls_client_auth` (RFC 8705 §2.1.2):
//! the subject distinguished name as an RFC 4514 string and the subject alternative names.
//! The certificate was already verified by the TLS layer; this only reads it. The reader is
//! bounded (DER lengths checked against the input, nesting fixed by the structure walked) and
//! answers `None` for anything it does not understand, never panicking.

use authcore_server::client_auth::ClientCertificate;

/// One DER element: its tag and contents.
struct Der<'a> {
    tag: u8,
    body: &'a [u8],
}

/// Reads DER elements one after the other from a slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<Der<'a>> {
        let (&tag, rest) = self.0.split_first()?;
        // Multi-byte tags (low five bits all set) do not occur in the structures read here.
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let mut len = 0usize;
            for &b in &rest[..n] {
                len = (len << 8) | usize::from(b);
            }
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let (body, after) = rest.split_at(len);
        self.0 = after;
        Some(Der { tag, body })
    }

    fn expect(&mut self, tag: u8) -> Option<Der<'a>> {
        self.next().filter(|d| d.tag == tag)
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;

/// Short names of RFC 4514 §3 (and the common ones of RFC 4519); others are written as the
/// dotted OID.
fn attribute_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x09] => "STREET",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        _ => return None,
    })
}

fn dotted(oid: &[u8]) -> Option<String> {
    let (&first, rest) = oid.split_first()?;
    let mut parts = vec![u64::from(first / 40), u64::from(first % 40)];
    let mut value = 0u64;
    for &b in rest {
        value = value.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(value);
            value = 0;
        }
    }
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// RFC 4514 §2.4 escaping of an attribute value.
fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

/// The RFC 4514 string of a DER `Name` body: relative distinguished names in reverse order,
/// joined by `,`; multi-valued ones joined by `+`.
fn name_string(name: &[u8]) -> Option<String> {
    let mut rdns = Vec::new();
    let mut r = Reader(name);
    while !r.0.is_empty() {
        let set = r.expect(SET)?;
        let mut attrs = Vec::new();
        let mut s = Reader(set.body);
        while !s.0.is_empty() {
            let pair = s.expect(SEQUENCE)?;
            let mut p = Reader(pair.body);
            let oid = p.expect(OID)?;
            let value = p.next()?;
            let name = attribute_name(oid.body)
                .map_or_else(|| dotted(oid.body), |n| Some(n.to_owned()))?;
            // PrintableString, UTF8String, IA5String, T61String (read as Latin-1-free ASCII),
            // BMPString is rare in client certificates and left out.
            let text = match value.tag {
                0x13 | 0x0c | 0x16 | 0x14 => std::str::from_utf8(value.body).ok()?.to_owned(),
                _ => return None,
            };
            attrs.push(format!("{name}={}", escape_value(&text)));
        }
        rdns.push(attrs.join("+"));
    }
    rdns.reverse();
    Some(rdns.join(","))
}

/// The subject alternative names extension's values into `cert`.
fn read_san(ext_value: &[u8], cert: &mut ClientCertificate) -> Option<()> {
    let names = Reader(ext_value).expect(SEQUENCE)?;
    let mut r = Reader(names.body);
    while !r.0.is_empty() {
        let n = r.next()?;
        match n.tag {
            0x81 => cert
                .san_email
                .push(std::str::from_utf8(n.body).ok()?.to_owned()),
            0x82 => cert
                .san_dns
                .push(std::str::from_utf8(n.body).ok()?.to_owned()),
            0x86 => cert
                .san_uri
                .push(std::str::from_utf8(n.body).ok()?.to_owned()),
            0x87 => {
                let ip = match n.body.len() {
                    4 => std::net::IpAddr::from(<[u8; 4]>::try_from(n.body).ok()?),
                    16 => std::net::IpAddr::from(<[u8; 16]>::try_from(n.body).ok()?),
                    _ => return None,
                };
                cert.san_ip.push(ip.to_string());
            }
            _ => {}
        }
    }
    Some(())
}

/// The certificate with its subject DN and alternative names read (RFC 5280 §4.1); a
/// certificate this reader does not understand keeps only its DER (its thumbprint and key
/// still work for certificate-bound tokens and `self_signed_tls_client_auth`).
pub(crate) fn client_certificate(der: &[u8]) -> ClientCertificate {
    let mut cert = ClientCertificate::new(der.to_vec());
    if read_names(der, &mut cert).is_none() {
        return ClientCertificate::new(der.to_vec());
    }
    cert
}

fn read_names(der: &[u8], cert: &mut ClientCertificate) -> Option<()> {
    let certificate = Reader(der).expect(SEQUENCE)?;
    let tbs = Reader(certificate.body).expect(SEQUENCE)?;
    let mut t = Reader(tbs.body);
    let mut field = t.next()?;
    if field.tag == 0xa0 {
        // [0] version
        field = t.next()?;
    }
    let _serial = field;
    t.expect(SEQUENCE)?; // signature algorithm
    t.expect(SEQUENCE)?; // issuer
    t.expect(SEQUENCE)?; // validity
    let subject = t.expect(SEQUENCE)?;
    cert.subject_dn = Some(name_string(subject.body)?);
    t.expect(SEQUENCE)?; // subjectPublicKeyInfo
    while let Some(f) = t.next() {
        if f.tag != 0xa3 {
            continue; // issuer/subject unique ids
        }
        let exts = Reader(f.body).expect(SEQUENCE)?;
        let mut e = Reader(exts.body);
        while !e.0.is_empty() {
            let ext = e.expect(SEQUENCE)?;
            let mut x = Reader(ext.body);
            let oid = x.expect(OID)?;
            let mut value = x.next()?;
            if value.tag == 0x01 {
                value = x.next()?; // critical
            }
            if value.tag == 0x04 && oid.body == [0x55, 0x1d, 0x11] {
                read_san(value.body, cert)?;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    fn test_cert(name: &str) -> Vec<u8> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/tls")
            .join(name);
        let pem = std::fs::read(path).unwrap();
        CertificateDer::pem_slice_iter(&pem)
            .next()
            .unwrap()
            .unwrap()
            .to_vec()
    }

    #[test]
    fn the_subject_and_alternative_names_are_read() {
        let client = client_certificate(&test_cert("client-identity.pem"));
        assert_eq!(client.subject_dn.as_deref(), Some("CN=mtls-client"));
        let server = client_certificate(&test_cert("server-chain.pem"));
        assert_eq!(server.subject_dn.as_deref(), Some("CN=127.0.0.1"));
        assert_eq!(server.san_ip, vec!["127.0.0.1".to_owned()]);
        assert_eq!(server.san_dns, vec!["localhost".to_owned()]);
    }

    #[test]
    fn values_are_escaped_and_unknown_attributes_dotted() {
        assert_eq!(escape_value("a,b"), "a\\,b");
        assert_eq!(escape_value(" x "), "\\ x\\ ");
        assert_eq!(escape_value("#x"), "\\#x");
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).as_deref(),
            Some("1.2.840.113549")
        );
    }

    #[test]
    fn damaged_certificates_keep_only_their_der() {
        let der = test_cert("client-identity.pem");
        for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
            let c = client_certificate(&der[..cut]);
            assert_eq!(c.subject_dn, None);
            assert_eq!(c.der, der[..cut].to_vec());
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = client_certificate(&bytes);
        }

        #[test]
        fn any_corruption_of_a_real_certificate_is_read_without_panicking(at in 0usize..2000, byte in proptest::num::u8::ANY) {
            let mut der = test_cert("client-identity.pem");
            let i = at % der.len();
            der[i] = byte;
            let _ = client_certificate(&der);
        }
    }
}
