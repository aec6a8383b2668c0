//! Key import and export in the DER and PEM formats other tools use: SubjectPublicKeyInfo,
//! PKCS#8, PKCS#1, SEC1 and X.509 certificates, with PEM armor per RFC 7468.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::der;
use crate::error::{Error, Result};
use crate::jwk::{Jwk, KeyParams};
use crate::secret::SecretBytes;

/// Largest PEM text or DER value accepted, in bytes: far above any key or ordinary
/// certificate, small enough that no caller is surprised by the memory it costs.
const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// RFC 7468 §2: lines of the base64 body are 64 characters, except the last.
const PEM_LINE: usize = 64;

/// RFC 7468 §3 uses the standard alphabet with padding; decoding insists on canonical padding
/// and trailing bits so that each body has a single accepted form.
const PEM_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_allow_trailing_bits(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// What a PEM label announces (RFC 7468 §4-§13, plus the OpenSSL "traditional" labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Spki,
    Pkcs8,
    RsaPublic,
    RsaPrivate,
    EcPrivate,
    Certificate,
    EncryptedPkcs8,
}

impl Label {
    fn from_pem(label: &str) -> Option<Label> {
        Some(match label {
            "PUBLIC KEY" => Label::Spki,
            "PRIVATE KEY" => Label::Pkcs8,
            "RSA PUBLIC KEY" => Label::RsaPublic,
            "RSA PRIVATE KEY" => Label::RsaPrivate,
            "EC PRIVATE KEY" => Label::EcPrivate,
            "CERTIFICATE" => Label::Certificate,
            "ENCRYPTED PRIVATE KEY" => Label::EncryptedPkcs8,
            _ => return None,
        })
    }
}

fn check_size(der: &[u8]) -> Result<()> {
    if der.len() > MAX_INPUT_BYTES {
        Err(Error::TooLarge {
            what: "DER key",
            limit: MAX_INPUT_BYTES,
        })
    } else {
        Ok(())
    }
}

impl Jwk {
    /// Parses the first key in PEM text (RFC 7468).
    ///
    /// Accepted labels: `PUBLIC KEY` (SubjectPublicKeyInfo), `PRIVATE KEY` (PKCS#8 v1 or
    /// v2), `RSA PUBLIC KEY` and `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1, which
    /// must name its curve) and `CERTIFICATE`, from which only the subject public key is taken
    /// (see [`Jwk::from_certificate_der`]: nothing about the certificate is validated).
    ///
    /// Text before, between and after blocks is ignored, as are blocks with other labels
    /// (such as `EC PARAMETERS`); the first block with an accepted label is decoded and the
    /// rest of the text is not looked at. A block with mismatched BEGIN and END labels, no
    /// END line, encapsulated headers or invalid base64 is an error, as is DER with trailing
    /// data. Encrypted keys (`ENCRYPTED PRIVATE KEY`, or `Proc-Type` headers) are not
    /// supported. Input over 1 MiB is refused.
    ///
    /// The key has no `kid`, `alg` or `use`. The limits of the DER readers apply: see
    /// [`Jwk::from_pkcs8_der`].
    pub fn from_pem(pem: &str) -> Result<Jwk> {
        if pem.len() > MAX_INPUT_BYTES {
            return Err(Error::TooLarge {
                what: "PEM text",
                limit: MAX_INPUT_BYTES,
            });
        }
        let mut lines = pem.lines();
        while let Some(line) = lines.next() {
            let Some(label) = begin_label(line.trim()) else {
                continue;
            };
            let der = read_block(&mut lines, label)?;
            let der = der.expose();
            return match Label::from_pem(label) {
                None => continue,
                Some(Label::Spki) => Jwk::from_spki_der(der),
                Some(Label::Pkcs8) => Jwk::from_pkcs8_der(der),
                Some(Label::RsaPublic) => {
                    Ok(Jwk::new(KeyParams::Rsa(der::parse_rsa_public_key(der)?)))
                }
                Some(Label::RsaPrivate) => Jwk::from_pkcs1_der(der),
                Some(Label::EcPrivate) => Jwk::from_sec1_der(der),
                Some(Label::Certificate) => Jwk::from_certificate_der(der),
                Some(Label::EncryptedPkcs8) => Err(Error::InvalidKey(
                    "encrypted private keys are not supported".into(),
                )),
            };
        }
        Err(Error::Malformed("PEM: no key block found"))
    }

    /// Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holding an RSA (RFC 3279), EC
    /// (RFC 5480, named curve, uncompressed point) or OKP (RFC 8410) public key.
    ///
    /// EC points are checked for form and length, not for lying on the curve; the crypto
    /// provider checks that when the key is used. RSASSA-PSS keys are refused.
    pub fn from_spki_der(der: &[u8]) -> Result<Jwk> {
        check_size(der)?;
        Ok(Jwk::new(der::parse_spki(der)?))
    }

    /// Parses a DER PKCS#8 private key: PrivateKeyInfo (RFC 5208) or OneAsymmetricKey
    /// (RFC 5958) with its optional public key. Attributes are ignored.
    ///
    /// A JWK private key includes its public key, and computing it from the private part
    /// needs curve arithmetic this crate does not have. So an EC key must carry its public
    /// key (in the ECPrivateKey, RFC 5915, or the v2 `publicKey`), and an Ed25519, Ed448,
    /// X25519 or X448 key must be version 2 with `publicKey` (RFC 8410 §7); otherwise this
    /// returns [`Error::InvalidKey`]. Whether the public and private parts belong together is
    /// not checked here.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Jwk> {
        check_size(der)?;
        Ok(Jwk::new(der::parse_pkcs8(der)?))
    }

    /// Takes the subject public key from a DER X.509 certificate (RFC 5280 §4.1).
    ///
    /// Only the DER structure is read. The signature, issuer, validity period, extensions
    /// and any chain are **not** checked: the result is exactly as trustworthy as the way
    /// the caller obtained the certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Jwk> {
        check_size(der)?;
        Ok(Jwk::new(der::parse_certificate_spki(der)?))
    }

    /// Parses a DER PKCS#1 RSAPrivateKey (RFC 8017 Appendix A.1.2). Multi-prime keys are
    /// refused. (A PKCS#1 RSAPublicKey is read by [`Jwk::from_pem`] under the
    /// `RSA PUBLIC KEY` label.)
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Jwk> {
        check_size(der)?;
        Ok(Jwk::new(KeyParams::Rsa(der::parse_rsa_private_key(der)?)))
    }

    /// Parses a DER SEC1 ECPrivateKey (RFC 5915). It must name its curve and carry its
    /// public key (see [`Jwk::from_pkcs8_der`] for why).
    pub fn from_sec1_der(der: &[u8]) -> Result<Jwk> {
        check_size(der)?;
        Ok(Jwk::new(KeyParams::Ec(der::parse_sec1(der)?)))
    }

    /// Encodes the public key as a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). For a
    /// private key, its public part is encoded. Symmetric keys are an error.
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        der::write_spki(&self.params)
    }

    /// Encodes a private key as DER PKCS#8.
    ///
    /// RSA and EC keys use PrivateKeyInfo version 1 (RFC 5208); the EC ECPrivateKey names
    /// the curve and carries the public key (RFC 5915). OKP keys use OneAsymmetricKey
    /// version 2 (RFC 5958) with the public key, around the RFC 8410 CurvePrivateKey. Public
    /// and symmetric keys are an error.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>> {
        der::write_pkcs8(&self.params)
    }

    /// Encodes the key as PEM: a private key as `PRIVATE KEY` ([`Jwk::to_pkcs8_der`]), a
    /// public key as `PUBLIC KEY` ([`Jwk::to_spki_der`]), with 64-character lines and `\n`
    /// line endings. Symmetric keys are an error.
    pub fn to_pem(&self) -> Result<String> {
        if matches!(self.params, KeyParams::Oct(_)) {
            return Err(Error::InvalidKey(
                "symmetric keys have no PEM encoding".into(),
            ));
        }
        let (label, der) = if self.is_private() {
            ("PRIVATE KEY", SecretBytes::new(self.to_pkcs8_der()?))
        } else {
            ("PUBLIC KEY", SecretBytes::new(self.to_spki_der()?))
        };
        let body = SecretBytes::new(PEM_BASE64.encode(der.expose()).into_bytes());
        let mut out = String::with_capacity(body.len() + body.len() / PEM_LINE + 64);
        out.push_str("-----BEGIN ");
        out.push_str(label);
        out.push_str("-----\n");
        for line in body.expose().chunks(PEM_LINE) {
            // The base64 alphabet is ASCII, so every chunk is valid UTF-8.
            out.extend(line.iter().map(|&b| char::from(b)));
            out.push('\n');
        }
        out.push_str("-----END ");
        out.push_str(label);
        out.push_str("-----\n");
        Ok(out)
    }
}

/// The label of an RFC 7468 §2 pre-encapsulation boundary.
fn begin_label(line: &str) -> Option<&str> {
    line.strip_prefix("-----BEGIN ")?.strip_suffix("-----")
}

/// Reads a block's body up to its END line and decodes it. The base64 text is only copied
/// once the block is known to be complete, into a buffer that is wiped afterwards.
fn read_block<'a>(lines: &mut impl Iterator<Item = &'a str>, label: &str) -> Result<SecretBytes> {
    let mut body: Vec<&str> = Vec::new();
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("-----END ") {
            let end = rest
                .strip_suffix("-----")
                .ok_or(Error::Malformed("PEM: malformed END line"))?;
            if end != label {
                return Err(Error::Malformed(
                    "PEM: END label does not match BEGIN label",
                ));
            }
            // RFC 7468 §3 permits whitespace inside the base64 text.
            let text = SecretBytes::new(
                body.iter()
                    .flat_map(|l| l.bytes())
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect(),
            );
            let der = PEM_BASE64
                .decode(text.expose())
                .map_err(|_| Error::Malformed("PEM: invalid base64"))?;
            return Ok(SecretBytes::new(der));
        }
        if line.starts_with("-----") {
            return Err(Error::Malformed("PEM: boundary line inside a block"));
        }
        if line.contains(':') {
            // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`) mean the
            // body is encrypted; RFC 7468 §2 has no headers at all.
            return Err(Error::InvalidKey(
                "PEM with headers (legacy encrypted keys) is not supported".into(),
            ));
        }
        body.push(line);
    }
    Err(Error::Malformed("PEM: block has no END line"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::{EcCurve, OkpCurve};
    use crate::crypto::{EcParams, OkpParams};

    fn jwk(json: &str) -> Jwk {
        Jwk::from_json(json.as_bytes()).unwrap()
    }

    /// The body of the first PEM block, decoded independently of the code under test.
    fn pem_der(pem: &str) -> Vec<u8> {
        let body: String = pem
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        PEM_BASE64.decode(body).unwrap()
    }

    fn std_b64(s: &str) -> Vec<u8> {
        PEM_BASE64.decode(s).unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // RFC 7520 §3.4 (kid and use dropped: DER carries neither).
    const RSA_PRIVATE: &str = r#"{"kty":"RSA",
      "n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw",
      "e":"AQAB",
      "d":"bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ",
      "p":"3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k",
      "q":"uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc",
      "dp":"B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik",
      "dq":"CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8",
      "qi":"3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4"}"#;

    // The key above as PKCS#8 and SPKI, written by OpenSSL 3.0 (through Python's
    // `cryptography`), and its PKCS#1 public key.
    const RSA_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCfgQ+0A4Jz0CWR
5Ac/MdK2ABuCzttNkvBQFl1Hz8q4o8Qct3isdVN5P475dXaNGiN02HElZMO813ue
pDRUSJlAfP8AmZIKkxokxEFIUqspvbCpXAZT82xg5gv5C2JY3aVvNwR7pcLR0Cmv
nJ1AuseqQceKDdEGit1pnoCP6gEeoUQdik97tOl7459V8d3UTpxLozUVlwPU00tg
PmUUek8j1tPAmWx17e6EaoLRkK4QeDyWHPA4eu0hBtLQVVtv2Tf61VNTh+D/cv++
eJQUArC4IuoqdLYFjB2r+bNKdstjuH+qLGhHuOKDf/+RGG5rHBSRHPmJqJCSqBzm
Ad2s0/nPAgMBAAECggEAbWUC9B+EFRIo8kpGfh0ZuyGPvMNKvYWNtB/ikiH9k20e
T+O1q/I78eiZkpXxXQ0UTEs2LsNRS+8uJbvQ+A1irkwMSMkK1J3XTGgdrhCku9gR
ldY7sNA/AKZGh+Q661/42rINLRCe8W+nZ34ui/qOfkLnK9QWDDqpaIsA+bMwWWSD
Fu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l+DqEiWxqg82s
Xt2h+LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5P
lyl21hsFf4L/mHCuoFau7gdsPfHPxxjVOcOpBrQzwQKBgQDdKXGD8PBNclxvrT3l
GhfKBAIBnlGcC9mWejXKEe2dR7H9+nsBn/2dFo7sdf/5IV8ZB661qjZMOMMBZThW
6mTyvD0lHQDNnQ3Z++4gCav9YKyYal42pCd6/VPsjISyeHxQy36fkJp+GSKTOESy
uad0fovE6u9EmWw+npm/xtSrSQKBgQC4oTZ2H5xN/oREXiTh7+PLvwZ89hQhpTKh
JIm4HOncK5uTc4KqzqCtPxtH9y7QObUxnBaa12oPIj3ketR6rcw/Xm8ww43yUdN5
m7aWYq/CpbtqdXlTOEzWJnvPjIyS5TAVagG/Jjz3wRe9EP6F2pHEeVKoBnX3bMHe
lUUnSzukVwKBgAfD1b15Lya49i/hmEO798va+isOYPUmoVwcLFlM6dfU1ZYCPmFf
OatTSG9a8ULQ/iLF10d/k2p3r7kT0beTgTnYjBkKfKW7duoJY2HylPxPcZ/kVCx8
9PnnfRPYFyyg+FRp4Kc/j30P6tvaZOcVh6CadNPUH9R7woYsUV+fXoYpAoGACLDm
DGduhylc9o7r84rEUVn7pzQ6PF83Y+iBZx5NT+TpnOZKF1pErAMVeKzFEl41DlHH
qqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJKbi/7k/vJgGHwHxgPaX2PnvP
+zyEkDERuf+ry4c/Z11Cq9AqC2yeL6kdKT1cYF8CgYEA3PiqvXQN0zwMeE+sBvZg
i289XP9XCQF3VWqPzMKnIgQp7/Tugo6+NZBKCQsMf3HaEGBjTVJs/jcK8+TRXvaK
e+7ZMaQj8VfBdYkssbu0NKDDhjJ+GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h
6ZEpMF6xmujs4qMpPz8aaI4=
-----END PRIVATE KEY-----
";

    const RSA_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAn4EPtAOCc9AlkeQHPzHS
tgAbgs7bTZLwUBZdR8/KuKPEHLd4rHVTeT+O+XV2jRojdNhxJWTDvNd7nqQ0VEiZ
QHz/AJmSCpMaJMRBSFKrKb2wqVwGU/NsYOYL+QtiWN2lbzcEe6XC0dApr5ydQLrH
qkHHig3RBordaZ6Aj+oBHqFEHYpPe7Tpe+OfVfHd1E6cS6M1FZcD1NNLYD5lFHpP
I9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3+tVTU4fg/3L/vniUFAKw
uCLqKnS2BYwdq/mzSnbLY7h/qixoR7jig3//kRhuaxwUkRz5iaiQkqgc5gHdrNP5
zwIDAQAB
-----END PUBLIC KEY-----
";

    const RSA_PKCS1_PUBLIC_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAn4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8/KuKPEHLd4rHVT
eT+O+XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz/AJmSCpMaJMRBSFKrKb2wqVwGU/Ns
YOYL+QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj+oBHqFEHYpPe7Tp
e+OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrt
IQbS0FVbb9k3+tVTU4fg/3L/vniUFAKwuCLqKnS2BYwdq/mzSnbLY7h/qixoR7ji
g3//kRhuaxwUkRz5iaiQkqgc5gHdrNP5zwIDAQAB
-----END RSA PUBLIC KEY-----
";

    // RFC 7517 Appendix A.2, the EC key (kid and use dropped).
    const P256_PRIVATE: &str = r#"{"kty":"EC","crv":"P-256",
      "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
      "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
      "d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}"#;

    // The key above written by OpenSSL 3.0: SEC1, PKCS#8 (whose ECPrivateKey omits the
    // curve), SPKI, SPKI with a compressed point, and a self-signed certificate.
    const P256_SEC1_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIPO9DAeoH7kyeB7VJ1L2DMiaa+XlGTT+AZON21XY93gBoAoGCCqGSM49
AwEHoUQDQgAEMKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D7gS2XpJFbZ
iItSs3m9+9Ue6GnvHw/GW2ZZaVtszggXIw==
-----END EC PRIVATE KEY-----
";

    const P256_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg870MB6gfuTJ4HtUn
UvYMyJpr5eUZNP4Bk43bVdj3eAGhRANCAAQwoEJM0hwpRIOKLXXJKzfnbqINnwCJ
OjtO7oo8Cq/sPuBLZekkVtmIi1Kzeb371R7oae8fD8ZbZllpW2zOCBcj
-----END PRIVATE KEY-----
";

    const P256_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMKBCTNIcKUSDii11ySs3526iDZ8A
iTo7Tu6KPAqv7D7gS2XpJFbZiItSs3m9+9Ue6GnvHw/GW2ZZaVtszggXIw==
-----END PUBLIC KEY-----
";

    const P256_COMPRESSED_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADMKBCTNIcKUSDii11ySs3526iDZ8A
iTo7Tu6KPAqv7D4=
-----END PUBLIC KEY-----
";

    const P256_CERT_PEM: &str = "Certificate for an EC test key:
-----BEGIN CERTIFICATE-----
MIIBHDCBxKADAgECAgISNDAKBggqhkjOPQQDAjAYMRYwFAYDVQQDDA1hdXRoY29y
ZSB0ZXN0MB4XDTI0MDEwMTAwMDAwMFoXDTM0MDEwMTAwMDAwMFowGDEWMBQGA1UE
AwwNYXV0aGNvcmUgdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDCgQkzS
HClEg4otdckrN+duog2fAIk6O07uijwKr+w+4Etl6SRW2YiLUrN5vfvVHuhp7x8P
xltmWWlbbM4IFyMwCgYIKoZIzj0EAwIDRwAwRAIgfQj6+pQSz82n75Ry2Uwh0BXI
6TbdVDGIJ2QdFre1zxICICFfmiTTDBaBwnAwU676IJSnaFV9lJVTM+eZw7ZdlSJ0
-----END CERTIFICATE-----
";

    // A P-384 key generated with `openssl genpkey` (its ECPrivateKey omits the curve), and
    // its components as a JWK.
    const P384_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBmY7mwsb2RdePD5h47
YwTOFcjQuyIlCNidZ/kStShvLVtmczVF2hZCpPWgRozLixehZANiAASk6iu88T6Q
UxqQngvGiti98RhA8IbTZpAZqjNwS1YzivuZn5I1mQshtuNHBBv6jHKgqYrbcMhG
79XJ1ksRjb0FvH8DL15HTHwokJ6yQOJCJifPa1bbmDeL3rmxVUeQv58=
-----END PRIVATE KEY-----
";
    const P384_PRIVATE: &str = r#"{"kty":"EC","crv":"P-384",
      "x":"pOorvPE-kFMakJ4LxorYvfEYQPCG02aQGaozcEtWM4r7mZ-SNZkLIbbjRwQb-oxy",
      "y":"oKmK23DIRu_VydZLEY29Bbx_Ay9eR0x8KJCeskDiQiYnz2tW25g3i965sVVHkL-f",
      "d":"ZmO5sLG9kXXjw-YeO2MEzhXI0LsiJQjYnWf5ErUoby1bZnM1RdoWQqT1oEaMy4sX"}"#;

    // RFC 7520 §3.2 (x and d start with a zero octet).
    const P521_PRIVATE: &str = r#"{"kty":"EC","crv":"P-521",
      "x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
      "y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",
      "d":"AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"}"#;

    // The key above written by OpenSSL 3.0.
    const P521_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIACFE43av1ypdfWGD5
GgjpHW1fmnatQBh2akdmgLVc0znoq2xytfrNsqKlCsJb0IZkfdPi5umehMosNgn9
8Xf+sm2hgYkDgYYABABymSyzrAjs8+XGPe3sDVGowfee8vgvlPPHN79d55hmcerG
Jf6CV7vQOUZEyqo6r48npFhfu8rQ8kV2IAheXI9CrQHcppR7zoi8V5BIWsl0JzQr
w1+IfYbWWgiTd+JH5guqVeToUB4q2lckrFHWkJAIAz68EKyZm51/XMJRnz/h6h2U
dQ==
-----END PRIVATE KEY-----
";
    const P521_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAcpkss6wI7PPlxj3t7A1RqMH3nvL4
L5Tzxze/XeeYZnHqxiX+gle70DlGRMqqOq+PJ6RYX7vK0PJFdiAIXlyPQq0B3KaU
e86IvFeQSFrJdCc0K8NfiH2G1loIk3fiR+YLqlXk6FAeKtpXJKxR1pCQCAM+vBCs
mZudf1zCUZ8/4eodlHU=
-----END PUBLIC KEY-----
";

    // `openssl ecparam -name secp256k1 -genkey` output: a parameters block, then SEC1.
    const K1_SEC1_PEM: &str = "-----BEGIN EC PARAMETERS-----
BgUrgQQACg==
-----END EC PARAMETERS-----
-----BEGIN EC PRIVATE KEY-----
MHQCAQEEIJHKQnX8UCU9RAfWl9cTAKKenJnrp44PuQ15YSKqV+95oAcGBSuBBAAK
oUQDQgAEKk/NmcrWrchkOkvg3822pbXdEDrXx2z1NRv8QvHEp0FMEYc1psrjbFUz
hOz3KKlluiWUfV6I3EGy3wNlyg8lLA==
-----END EC PRIVATE KEY-----
";
    const K1_PRIVATE: &str = r#"{"kty":"EC","crv":"secp256k1",
      "x":"Kk_NmcrWrchkOkvg3822pbXdEDrXx2z1NRv8QvHEp0E",
      "y":"TBGHNabK42xVM4Ts9yipZbollH1eiNxBst8DZcoPJSw",
      "d":"kcpCdfxQJT1EB9aX1xMAop6cmeunjg-5DXlhIqpX73k"}"#;

    // RFC 8037 Appendix A.1.
    const ED25519_PRIVATE: &str = r#"{"kty":"OKP","crv":"Ed25519",
      "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
      "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    // Its SPKI and PKCS#8 v1 as written by OpenSSL 3.0.
    const ED25519_SPKI_PEM: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
-----END PUBLIC KEY-----
";
    const ED25519_PKCS8_V1: &str =
        "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g";

    // RFC 8410 §10.1 and §10.3.
    const RFC8410_PUBLIC: &str = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=";
    const RFC8410_PRIVATE_V1: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
-----END PRIVATE KEY-----";
    const RFC8410_PRIVATE_V2: &str = "-----BEGIN PRIVATE KEY-----
MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB
Z9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PRIVATE KEY-----";
    const RFC8410_X: &str = "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1";
    const RFC8410_D: &str = "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842";

    // Generated with `openssl genpkey`: public keys (SPKI) and their JWKs.
    const X25519_SPKI: &str = "MCowBQYDK2VuAyEAivQbe2o5y9i3RwFT4dXd0kGYjGV310CMALVto3O8xAM=";
    const X25519_PRIVATE: &str = r#"{"kty":"OKP","crv":"X25519",
      "x":"ivQbe2o5y9i3RwFT4dXd0kGYjGV310CMALVto3O8xAM",
      "d":"OCB4ayUhJTq7z9-JTOHdjdn6dmFqPpELRgy6DDJty0M"}"#;
    const ED448_SPKI: &str = "MEMwBQYDK2VxAzoAN2KtoNywkspAhsUU1FlMB260TI9FDdzySg8Bx6grfqp9on87pn5JNQGuPV0gce3e+2noz3JHYWWA";
    const ED448_PRIVATE: &str = r#"{"kty":"OKP","crv":"Ed448",
      "x":"N2KtoNywkspAhsUU1FlMB260TI9FDdzySg8Bx6grfqp9on87pn5JNQGuPV0gce3e-2noz3JHYWWA",
      "d":"fJG7OsOs7O11WQ54vZtG9rAWG4cgjL5ibMf6Vd-RahdsEIIdngKk5F39OFCGQibXHAittc6iwS_x"}"#;
    const X448_SPKI: &str = "MEIwBQYDK2VvAzkAs1uRXmA/IerNerCTCIuF1oYHYrGqsQJgNmTVjPMdIlg6PhQu3ZpuwWDyF07DyDE7QVdMkV+voOM=";
    const X448_PRIVATE: &str = r#"{"kty":"OKP","crv":"X448",
      "x":"s1uRXmA_IerNerCTCIuF1oYHYrGqsQJgNmTVjPMdIlg6PhQu3ZpuwWDyF07DyDE7QVdMkV-voOM",
      "d":"8DzNNOwcEODkbvr_Yk7RBJ3qTmH8sPqa4N61LW4moe6FarP9NVPlWfD5q-NUfIEcfE3MQhHFyIw"}"#;

    // A 512-bit RSASSA-PSS public key from `openssl genpkey -algorithm RSA-PSS`.
    const RSA_PSS_SPKI: &str = "MFowCwYJKoZIhvcNAQEKA0sAMEgCQQDUCcgS2sx5H/wIAj2MhvNlSg60sbplrkbQkC33NdjsmggLo3NP1Zh4yj+P6+bySpIM38d069SSt4/lOUqEo6ADAgMBAAE=";

    fn all_private_keys() -> Vec<Jwk> {
        [
            RSA_PRIVATE,
            P256_PRIVATE,
            P384_PRIVATE,
            P521_PRIVATE,
            K1_PRIVATE,
            ED25519_PRIVATE,
            X25519_PRIVATE,
            ED448_PRIVATE,
            X448_PRIVATE,
        ]
        .into_iter()
        .map(jwk)
        .collect()
    }

    #[test]
    fn round_trips_for_every_key_type() {
        for key in all_private_keys() {
            let public = key.to_public().unwrap();
            let pkcs8 = key.to_pkcs8_der().unwrap();
            assert_eq!(Jwk::from_pkcs8_der(&pkcs8).unwrap(), key, "{key:?}");
            let spki = key.to_spki_der().unwrap();
            assert_eq!(spki, public.to_spki_der().unwrap());
            assert_eq!(Jwk::from_spki_der(&spki).unwrap(), public, "{key:?}");
            let pem = key.to_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            assert_eq!(Jwk::from_pem(&pem).unwrap(), key);
            let pem = public.to_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            assert_eq!(Jwk::from_pem(&pem).unwrap(), public);
            assert!(
                public.to_pkcs8_der().is_err(),
                "public keys have no PKCS#8 form"
            );
            let produced = Jwk::from_pem(&pem).unwrap();
            assert!(produced.kid.is_none() && produced.alg.is_none() && produced.key_use.is_none());
        }
    }

    #[test]
    fn rsa_matches_openssl_byte_for_byte() {
        let key = jwk(RSA_PRIVATE);
        assert_eq!(key.to_pem().unwrap(), RSA_PKCS8_PEM);
        assert_eq!(key.to_public().unwrap().to_pem().unwrap(), RSA_SPKI_PEM);
        assert_eq!(Jwk::from_pem(RSA_PKCS8_PEM).unwrap(), key);
        let KeyParams::Rsa(p) = &key.params else {
            unreachable!()
        };
        let pkcs1 = der::rsa_private_key_pkcs1(p).unwrap();
        // PKCS#8 wraps the PKCS#1 key as its final OCTET STRING (RFC 5208 §5).
        assert!(pem_der(RSA_PKCS8_PEM).ends_with(&pkcs1));
        assert_eq!(Jwk::from_pkcs1_der(&pkcs1).unwrap(), key);
        let pkcs1_pub = der::rsa_public_key_pkcs1(&p.n, &p.e);
        assert_eq!(pkcs1_pub, pem_der(RSA_PKCS1_PUBLIC_PEM));
        assert_eq!(
            Jwk::from_pem(RSA_PKCS1_PUBLIC_PEM).unwrap(),
            key.to_public().unwrap()
        );
        let mut pkcs1_pem = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
        pkcs1_pem.push_str(&PEM_BASE64.encode(&pkcs1));
        pkcs1_pem.push_str("\n-----END RSA PRIVATE KEY-----\n");
        assert_eq!(Jwk::from_pem(&pkcs1_pem).unwrap(), key);
    }

    #[test]
    fn ec_matches_openssl() {
        let p256 = jwk(P256_PRIVATE);
        assert_eq!(Jwk::from_pem(P256_SEC1_PEM).unwrap(), p256);
        assert_eq!(Jwk::from_pem(P256_PKCS8_PEM).unwrap(), p256);
        assert_eq!(Jwk::from_sec1_der(&pem_der(P256_SEC1_PEM)).unwrap(), p256);
        // Our ECPrivateKey names the curve, as OpenSSL's SEC1 output does, byte for byte.
        assert!(
            p256.to_pkcs8_der()
                .unwrap()
                .ends_with(&pem_der(P256_SEC1_PEM))
        );
        assert_eq!(p256.to_public().unwrap().to_pem().unwrap(), P256_SPKI_PEM);

        assert_eq!(Jwk::from_pem(P384_PKCS8_PEM).unwrap(), jwk(P384_PRIVATE));

        let p521 = jwk(P521_PRIVATE);
        assert_eq!(Jwk::from_pem(P521_PKCS8_PEM).unwrap(), p521);
        assert_eq!(p521.to_public().unwrap().to_pem().unwrap(), P521_SPKI_PEM);

        // The EC PARAMETERS block in front is skipped.
        assert_eq!(Jwk::from_pem(K1_SEC1_PEM).unwrap(), jwk(K1_PRIVATE));
    }

    #[test]
    fn okp_known_answers() {
        let ed = jwk(ED25519_PRIVATE);
        assert_eq!(ed.to_public().unwrap().to_pem().unwrap(), ED25519_SPKI_PEM);
        // RFC 8410 §10.1.
        let public = Jwk::from_spki_der(&std_b64(RFC8410_PUBLIC)).unwrap();
        let want = OkpParams {
            crv: OkpCurve::Ed25519,
            x: hex(RFC8410_X),
            d: None,
        };
        assert_eq!(public, Jwk::new(KeyParams::Okp(want)));
        assert_eq!(public.to_spki_der().unwrap(), std_b64(RFC8410_PUBLIC));
        // RFC 8410 §10.3, version 2 with an attribute and the public key.
        let private = Jwk::from_pem(RFC8410_PRIVATE_V2).unwrap();
        let want = OkpParams {
            crv: OkpCurve::Ed25519,
            x: hex(RFC8410_X),
            d: Some(SecretBytes::new(hex(RFC8410_D))),
        };
        assert_eq!(private, Jwk::new(KeyParams::Okp(want)));
        // Our v2 encoding is the RFC's minus the attribute: same version, algorithm,
        // CurvePrivateKey and [1] publicKey.
        let ours = private.to_pkcs8_der().unwrap();
        let rfc = pem_der(RFC8410_PRIVATE_V2);
        assert_eq!(ours[2..48], rfc[2..48]);
        assert_eq!(ours[48..], rfc[rfc.len() - 35..]);
        // Version 1 without the public key cannot become a JWK.
        for v1 in [pem_der(RFC8410_PRIVATE_V1), std_b64(ED25519_PKCS8_V1)] {
            match Jwk::from_pkcs8_der(&v1) {
                Err(Error::InvalidKey(m)) => assert!(m.contains("public key"), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        for (spki, json) in [
            (X25519_SPKI, X25519_PRIVATE),
            (ED448_SPKI, ED448_PRIVATE),
            (X448_SPKI, X448_PRIVATE),
        ] {
            let public = jwk(json).to_public().unwrap();
            assert_eq!(Jwk::from_spki_der(&std_b64(spki)).unwrap(), public);
            assert_eq!(public.to_spki_der().unwrap(), std_b64(spki));
        }
    }

    #[test]
    fn certificate_yields_its_public_key() {
        let key = Jwk::from_pem(P256_CERT_PEM).unwrap();
        assert_eq!(key, jwk(P256_PRIVATE).to_public().unwrap());
        let der = pem_der(P256_CERT_PEM);
        assert_eq!(Jwk::from_certificate_der(&der).unwrap(), key);
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(Jwk::from_certificate_der(&trailing).is_err());
        assert!(
            Jwk::from_spki_der(&der).is_err(),
            "a certificate is not an SPKI"
        );
    }

    #[test]
    fn ec_scalars_are_padded_and_points_checked() {
        let p521 = jwk(P521_PRIVATE);
        let KeyParams::Ec(p) = &p521.params else {
            unreachable!()
        };
        // A SEC1 key whose scalar lost its leading zero octet (d starts 00 08).
        let d = p.d.as_ref().unwrap().expose();
        assert_eq!(d[0], 0);
        let mut w = der::Writer::new();
        w.sequence(|w| {
            w.small_uint(1);
            w.octet_string(&d[1..]);
            w.explicit(0, |w| w.oid(der::oid::P521));
            w.explicit(1, |w| w.bit_string(&p.uncompressed_point()));
        });
        let short = w.into_vec();
        assert_eq!(Jwk::from_sec1_der(&short).unwrap(), p521);

        let sec1 = |d: &[u8], curve: Option<&[u8]>, point: Option<&[u8]>| {
            let mut w = der::Writer::new();
            w.sequence(|w| {
                w.small_uint(1);
                w.octet_string(d);
                if let Some(c) = curve {
                    w.explicit(0, |w| w.oid(c));
                }
                if let Some(pt) = point {
                    w.explicit(1, |w| w.bit_string(pt));
                }
            });
            w.into_vec()
        };
        let point = p.uncompressed_point();
        let expect_invalid = |der: Vec<u8>, needle: &str| match Jwk::from_sec1_der(&der) {
            Err(Error::InvalidKey(m)) => assert!(m.contains(needle), "{m} / {needle}"),
            other => panic!("{other:?} / {needle}"),
        };
        expect_invalid(sec1(d, Some(der::oid::P521), None), "public key");
        expect_invalid(sec1(d, None, Some(&point)), "curve");
        expect_invalid(sec1(&[0; 66], Some(der::oid::P521), Some(&point)), "zero");
        expect_invalid(
            sec1(&[1; 67], Some(der::oid::P521), Some(&point)),
            "too long",
        );
        expect_invalid(
            sec1(d, Some(&[0x2b, 0x81, 0x04, 0x00, 0x21]), Some(&point)),
            "1.3.132.0.33",
        );
        let mut compressed = vec![2];
        compressed.extend_from_slice(&p.x);
        expect_invalid(
            sec1(d, Some(der::oid::P521), Some(&compressed)),
            "compressed",
        );
        expect_invalid(sec1(d, Some(der::oid::P521), Some(&point[..100])), "length");
        expect_invalid(sec1(&d[34..], Some(der::oid::P256), Some(&point)), "length");

        match Jwk::from_pem(P256_COMPRESSED_SPKI_PEM) {
            Err(Error::InvalidKey(m)) => assert!(m.contains("compressed"), "{m}"),
            other => panic!("{other:?}"),
        }
        // Components of the wrong length cannot be exported.
        let mut bad = jwk(P256_PRIVATE);
        if let KeyParams::Ec(EcParams { x, .. }) = &mut bad.params {
            x.pop();
        }
        assert!(bad.to_spki_der().is_err() && bad.to_pkcs8_der().is_err());
        assert_eq!(EcCurve::P521.coordinate_len(), 66);
    }

    #[test]
    fn rejects_unsupported_algorithms_and_symmetric_keys() {
        match Jwk::from_spki_der(&std_b64(RSA_PSS_SPKI)) {
            Err(Error::InvalidKey(m)) => assert!(m.contains("RSASSA-PSS"), "{m}"),
            other => panic!("{other:?}"),
        }
        // DSA (1.2.840.10040.4.1) in place of the Ed25519 OID.
        let mut w = der::Writer::new();
        w.sequence(|w| {
            w.sequence(|w| w.oid(&[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]));
            w.bit_string(&[1; 32]);
        });
        match Jwk::from_spki_der(&w.into_vec()) {
            Err(Error::InvalidKey(m)) => assert!(m.contains("1.2.840.10040.4.1"), "{m}"),
            other => panic!("{other:?}"),
        }
        // RFC 8410 §3: parameters must be absent.
        let mut spki = std_b64(RFC8410_PUBLIC);
        spki.splice(2..9, hex("300706032b65700500"));
        spki[1] += 2;
        assert!(Jwk::from_spki_der(&spki).is_err());
        let oct = Jwk::symmetric(vec![1; 32]);
        assert!(oct.to_spki_der().is_err());
        assert!(oct.to_pkcs8_der().is_err());
        assert!(oct.to_pem().is_err());
    }

    #[test]
    fn pkcs8_structure_checks() {
        let v2 = pem_der(RFC8410_PRIVATE_V2);
        // Version 0 may not carry a public key.
        let mut v0 = v2.clone();
        v0[4] = 0;
        assert!(Jwk::from_pkcs8_der(&v0).is_err());
        let mut v3 = v2.clone();
        v3[4] = 2;
        assert!(Jwk::from_pkcs8_der(&v3).is_err());
        // The legacy constructed [1] form is read as well.
        let key = Jwk::from_pem(RFC8410_PRIVATE_V2).unwrap();
        let ours = key.to_pkcs8_der().unwrap();
        let mut legacy = ours[..48].to_vec();
        legacy.extend_from_slice(&hex("a123032100"));
        legacy.extend_from_slice(&hex(RFC8410_X));
        legacy[1] = (legacy.len() - 2) as u8;
        assert_eq!(Jwk::from_pkcs8_der(&legacy).unwrap(), key);
        // An EC key whose two public keys differ.
        let p256 = jwk(P256_PRIVATE);
        let KeyParams::Ec(p) = &p256.params else {
            unreachable!()
        };
        let mut other_point = p.uncompressed_point();
        other_point[5] ^= 1;
        let ec_pkcs8 = |version: u8, curve: &[u8], public: Option<&[u8]>| {
            let mut w = der::Writer::new();
            w.sequence(|w| {
                w.small_uint(version);
                w.sequence(|w| {
                    w.oid(der::oid::EC_PUBLIC_KEY);
                    w.oid(curve);
                });
                w.octet_string(&pem_der(P256_SEC1_PEM));
                if let Some(pt) = public {
                    w.bit_string_tagged(der::context_primitive(1), |w| w.raw(pt));
                }
            });
            w.into_vec()
        };
        assert_eq!(
            Jwk::from_pkcs8_der(&ec_pkcs8(0, der::oid::P256, None)).unwrap(),
            p256
        );
        let same = p.uncompressed_point();
        assert_eq!(
            Jwk::from_pkcs8_der(&ec_pkcs8(1, der::oid::P256, Some(&same))).unwrap(),
            p256
        );
        assert!(Jwk::from_pkcs8_der(&ec_pkcs8(1, der::oid::P256, Some(&other_point))).is_err());
        // ECPrivateKey naming another curve than the algorithm.
        assert!(Jwk::from_pkcs8_der(&ec_pkcs8(0, der::oid::P384, None)).is_err());
    }

    #[test]
    fn truncation_and_trailing_data_always_fail() {
        type Parser = fn(&[u8]) -> Result<Jwk>;
        let inputs: Vec<(Vec<u8>, Parser)> = vec![
            (pem_der(RSA_PKCS8_PEM), Jwk::from_pkcs8_der),
            (pem_der(P256_PKCS8_PEM), Jwk::from_pkcs8_der),
            (pem_der(RFC8410_PRIVATE_V2), Jwk::from_pkcs8_der),
            (pem_der(P256_SEC1_PEM), Jwk::from_sec1_der),
            (pem_der(RSA_SPKI_PEM), Jwk::from_spki_der),
            (pem_der(P521_SPKI_PEM), Jwk::from_spki_der),
            (pem_der(P256_CERT_PEM), Jwk::from_certificate_der),
            (pem_der(RSA_PKCS8_PEM)[26..].to_vec(), Jwk::from_pkcs1_der),
        ];
        for (der, parse) in inputs {
            assert!(parse(&der).is_ok());
            for len in 0..der.len() {
                assert!(
                    parse(&der[..len]).is_err(),
                    "accepted a prefix of length {len}"
                );
            }
            let mut long = der.clone();
            long.push(0);
            assert!(parse(&long).is_err(), "accepted trailing data");
        }
    }

    #[test]
    fn der_encoding_violations_are_rejected() {
        let spki = pem_der(P256_SPKI_PEM);
        assert_eq!(&spki[..2], &[0x30, 0x59]);
        // Non-minimal long-form length for the outer SEQUENCE.
        let mut long_len = vec![0x30, 0x81, 0x59];
        long_len.extend_from_slice(&spki[2..]);
        assert_eq!(
            Jwk::from_spki_der(&long_len),
            Err(Error::Malformed("DER: non-minimal length"))
        );
        // Indefinite length with end-of-contents octets.
        let mut indefinite = vec![0x30, 0x80];
        indefinite.extend_from_slice(&spki[2..]);
        indefinite.extend_from_slice(&[0, 0]);
        assert_eq!(
            Jwk::from_spki_der(&indefinite),
            Err(Error::Malformed("DER: indefinite length"))
        );
        // Length one too long, then one too short.
        let mut wrong = spki.clone();
        wrong[1] += 1;
        assert!(Jwk::from_spki_der(&wrong).is_err());
        wrong[1] -= 2;
        assert!(Jwk::from_spki_der(&wrong).is_err());
        // An RSA modulus with a superfluous leading zero.
        let pkcs1 = der::rsa_public_key_pkcs1(&[0x40, 1], &[3]);
        assert_eq!(pkcs1, hex("3007020240010201 03"));
        let padded = hex("300802030040010201 03");
        assert!(der::parse_rsa_public_key(&pkcs1).is_ok());
        assert!(der::parse_rsa_public_key(&padded).is_err());
        assert!(Jwk::from_spki_der(&vec![0; MAX_INPUT_BYTES + 1]).is_err());
    }

    #[test]
    fn pem_armor_rules() {
        let body = P256_SPKI_PEM;
        let public = Jwk::from_pem(body).unwrap();
        // Surrounding text, CRLF line endings and indentation are tolerated.
        let noisy = format!(
            "Subject: test\r\n\r\n{}\r\ntrailer",
            body.replace('\n', "\r\n  ")
        );
        assert_eq!(Jwk::from_pem(&noisy).unwrap(), public);
        // The first key block wins; later blocks are not read.
        let two = format!("{P256_SPKI_PEM}{RSA_SPKI_PEM}");
        assert_eq!(Jwk::from_pem(&two).unwrap(), public);
        let after_other = format!("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n{body}");
        assert_eq!(Jwk::from_pem(&after_other).unwrap(), public);

        let cases = [
            (
                body.replace("END PUBLIC KEY", "END PRIVATE KEY"),
                "mismatched END",
            ),
            (
                body.replace("-----END PUBLIC KEY-----\n", ""),
                "missing END",
            ),
            (body.replace("MFkw", "MF!w"), "bad base64"),
            (body.replace("XIw==", "XIw="), "bad padding"),
            (
                body.replace("XIw==", "XIx=="),
                "non-canonical trailing bits",
            ),
            (body.replace("PUBLIC KEY", "PUBLIC KEYS"), "unknown label"),
            (
                body.replace("PUBLIC KEY", "PRIVATE KEY"),
                "wrong label for the content",
            ),
            (
                body.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
                "wrong label for the content",
            ),
            (
                body.replace("MFkw", "Proc-Type: 4,ENCRYPTED\nMFkw"),
                "headers",
            ),
            (
                body.replace("PUBLIC KEY", "ENCRYPTED PRIVATE KEY"),
                "encrypted",
            ),
            (String::new(), "empty"),
            ("no PEM here".into(), "no block"),
        ];
        for (pem, why) in cases {
            assert!(Jwk::from_pem(&pem).is_err(), "{why}: {pem}");
        }
        assert!(matches!(
            Jwk::from_pem(&"A".repeat(MAX_INPUT_BYTES + 1)),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn pem_lines_are_64_columns() {
        let pem = jwk(RSA_PRIVATE).to_pem().unwrap();
        let lines: Vec<&str> = pem.lines().collect();
        assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
        assert!(lines[lines.len() - 2].len() <= 64);
        assert!(pem.ends_with("-----END PRIVATE KEY-----\n"));
    }

    /// The crypto provider's library accepts what we write.
    #[cfg(feature = "ring")]
    #[test]
    fn ring_reads_our_pkcs8() {
        use ring::signature as s;
        let rng = ring::rand::SystemRandom::new(); // allow-clock: ring's key-pair parser draws randomness (test only)
        s::RsaKeyPair::from_pkcs8(&jwk(RSA_PRIVATE).to_pkcs8_der().unwrap()).unwrap();
        let KeyParams::Rsa(p) = &jwk(RSA_PRIVATE).params else {
            unreachable!()
        };
        s::RsaKeyPair::from_der(&der::rsa_private_key_pkcs1(p).unwrap()).unwrap();
        for (json, alg) in [
            (P256_PRIVATE, &s::ECDSA_P256_SHA256_FIXED_SIGNING),
            (P384_PRIVATE, &s::ECDSA_P384_SHA384_FIXED_SIGNING),
        ] {
            s::EcdsaKeyPair::from_pkcs8(alg, &jwk(json).to_pkcs8_der().unwrap(), &rng).unwrap();
        }
        s::Ed25519KeyPair::from_pkcs8(&jwk(ED25519_PRIVATE).to_pkcs8_der().unwrap()).unwrap();
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn all(bytes: &[u8]) {
            let _ = Jwk::from_spki_der(bytes);
            let _ = Jwk::from_pkcs8_der(bytes);
            let _ = Jwk::from_certificate_der(bytes);
            let _ = Jwk::from_pkcs1_der(bytes);
            let _ = Jwk::from_sec1_der(bytes);
            let _ = der::parse_rsa_public_key(bytes);
        }

        proptest! {
            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                all(&bytes);
            }

            #[test]
            fn mutated_keys_never_panic(
                which in 0usize..4,
                edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..4),
            ) {
                let base = [
                    pem_der(P256_PKCS8_PEM),
                    pem_der(RFC8410_PRIVATE_V2),
                    pem_der(P256_CERT_PEM),
                    pem_der(P521_SPKI_PEM),
                ];
                let mut der = base[which].clone();
                for (i, b) in edits {
                    let i = i.index(der.len());
                    der[i] = b;
                }
                all(&der);
            }

            #[test]
            fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
                let _ = Jwk::from_pem(&s);
                let _ = Jwk::from_pem(&format!("-----BEGIN PRIVATE KEY-----\n{s}\n-----END PRIVATE KEY-----"));
            }
        }
    }
}
