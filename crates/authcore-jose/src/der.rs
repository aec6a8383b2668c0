//! A minimal, strict DER codec (ITU-T X.690 §10) and the key structures built on it:
//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279, RFC 5480, RFC 8410), PKCS#8 /
//! OneAsymmetricKey (RFC 5208, RFC 5958), PKCS#1 RSA keys (RFC 8017 Appendix A.1), SEC1
//! ECPrivateKey (RFC 5915) and the X.509 certificate wrapper around an SPKI (RFC 5280 §4.1).
//!
//! The reader accepts only what DER allows: definite lengths in their shortest form, minimal
//! INTEGERs, primitive strings, low tag numbers. It borrows from the input and never allocates;
//! nesting is capped at [`MAX_DEPTH`] levels even though every schema here is fixed and
//! shallow, so no input can drive recursion, allocation or looping beyond its own length.

use crate::alg::{EcCurve, OkpCurve};
use crate::crypto::{EcParams, KeyMaterial as KeyParams, OkpParams, RsaParams, RsaPrivateParams};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// Deepest nesting of constructed values the reader follows. A certificate's SPKI sits at
/// depth 3; nothing this module reads is deeper than 5.
pub(crate) const MAX_DEPTH: u8 = 8;

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;

/// `[n]` with the constructed bit: an EXPLICIT tag, or an IMPLICIT tag on a constructed type.
pub(crate) const fn context_constructed(n: u8) -> u8 {
    0xa0 | n
}

/// `[n]` without the constructed bit: an IMPLICIT tag on a primitive type.
pub(crate) const fn context_primitive(n: u8) -> u8 {
    0x80 | n
}

/// Object identifiers, as the content octets of their DER encoding.
pub(crate) mod oid {
    /// rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 Appendix A.1).
    pub(crate) const RSA_ENCRYPTION: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// id-RSASSA-PSS, 1.2.840.113549.1.1.10 (RFC 4055 §3.1).
    pub(crate) const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    /// id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 §2.1.1).
    pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// secp256r1, 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1).
    pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// secp384r1, 1.3.132.0.34.
    pub(crate) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// secp521r1, 1.3.132.0.35.
    pub(crate) const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    /// secp256k1, 1.3.132.0.10 (SEC 2 §A.2).
    pub(crate) const SECP256K1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x0a];
    /// id-X25519, 1.3.101.110 (RFC 8410 §3).
    pub(crate) const X25519: &[u8] = &[0x2b, 0x65, 0x6e];
    /// id-X448, 1.3.101.111.
    pub(crate) const X448: &[u8] = &[0x2b, 0x65, 0x6f];
    /// id-Ed25519, 1.3.101.112.
    pub(crate) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// id-Ed448, 1.3.101.113.
    pub(crate) const ED448: &[u8] = &[0x2b, 0x65, 0x71];
}

fn malformed(what: &'static str) -> Error {
    Error::Malformed(what)
}

fn invalid(what: impl Into<String>) -> Error {
    Error::InvalidKey(what.into())
}

/// A cursor over a sequence of DER values.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    depth: u8,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Reader {
            rest: input,
            depth: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Fails unless every byte has been consumed: DER values carry no trailing data.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed("DER: trailing data"))
        }
    }

    /// Reads the next value, whatever its tag, and returns its contents.
    pub(crate) fn read_any(&mut self) -> Result<&'a [u8]> {
        let input = self.rest;
        let (&tag, after_tag) = input.split_first().ok_or(malformed("DER: truncated"))?;
        // X.690 §8.1.2.4: tag numbers of 31 and above use further octets; no structure read
        // here needs them, so they are refused rather than skipped.
        if tag & 0x1f == 0x1f {
            return Err(malformed("DER: high tag numbers are not supported"));
        }
        let (&first, after_len) = after_tag.split_first().ok_or(malformed("DER: truncated"))?;
        let (len, body) = if first < 0x80 {
            (usize::from(first), after_len)
        } else if first == 0x80 {
            // X.690 §10.1: DER uses the definite form only.
            return Err(malformed("DER: indefinite length"));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err(malformed("DER: length too large"));
            }
            if after_len.len() < n {
                return Err(malformed("DER: truncated"));
            }
            let (len_bytes, body) = after_len.split_at(n);
            if len_bytes[0] == 0 {
                return Err(malformed("DER: non-minimal length"));
            }
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            // X.690 §10.1: the long form is only for lengths the short form cannot express.
            if len < 0x80 {
                return Err(malformed("DER: non-minimal length"));
            }
            (len, body)
        };
        if body.len() < len {
            return Err(malformed("DER: truncated"));
        }
        let (value, rest) = body.split_at(len);
        self.rest = rest;
        Ok(value)
    }

    /// Reads a value that must carry `tag`; returns its contents.
    pub(crate) fn read(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8]> {
        if self.peek_tag() != Some(tag) {
            return Err(malformed(what));
        }
        self.read_any()
    }

    /// Reads a value carrying `tag` when the next value has it.
    pub(crate) fn read_optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>> {
        if self.peek_tag() == Some(tag) {
            Ok(Some(self.read_any()?))
        } else {
            Ok(None)
        }
    }

    /// Reads a constructed value with `tag` and returns a reader over its contents.
    pub(crate) fn nested(&mut self, tag: u8, what: &'static str) -> Result<Reader<'a>> {
        let value = self.read(tag, what)?;
        self.child(value)
    }

    fn child(&self, value: &'a [u8]) -> Result<Reader<'a>> {
        if self.depth >= MAX_DEPTH {
            return Err(malformed("DER: nested too deeply"));
        }
        Ok(Reader {
            rest: value,
            depth: self.depth + 1,
        })
    }

    pub(crate) fn sequence(&mut self, what: &'static str) -> Result<Reader<'a>> {
        self.nested(SEQUENCE, what)
    }

    /// An optional EXPLICIT `[n]`.
    pub(crate) fn explicit(&mut self, n: u8) -> Result<Option<Reader<'a>>> {
        match self.read_optional(context_constructed(n))? {
            None => Ok(None),
            Some(v) => Ok(Some(self.child(v)?)),
        }
    }

    /// A non-negative INTEGER's magnitude, big-endian: the sign octet DER may require is
    /// removed, so zero comes back as `[0]` and every other value without leading zeros.
    pub(crate) fn unsigned_integer(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let v = self.read(INTEGER, what)?;
        check_integer(v)?;
        if v[0] & 0x80 != 0 {
            return Err(malformed(
                "DER: negative INTEGER where a non-negative one is required",
            ));
        }
        Ok(if v.len() > 1 && v[0] == 0 { &v[1..] } else { v })
    }

    /// A small non-negative INTEGER such as a version number.
    pub(crate) fn small_uint(&mut self, what: &'static str) -> Result<u8> {
        match self.unsigned_integer(what)? {
            [b] => Ok(*b),
            _ => Err(malformed(what)),
        }
    }

    pub(crate) fn oid(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let v = self.read(OID, what)?;
        check_oid(v)?;
        Ok(v)
    }

    pub(crate) fn octet_string(&mut self, what: &'static str) -> Result<&'a [u8]> {
        self.read(OCTET_STRING, what)
    }

    /// A BIT STRING holding whole octets (every key encoding here does).
    pub(crate) fn bit_string(&mut self, what: &'static str) -> Result<&'a [u8]> {
        bit_string_octets(self.read(BIT_STRING, what)?)
    }

    pub(crate) fn null(&mut self, what: &'static str) -> Result<()> {
        if self.read(NULL, what)?.is_empty() {
            Ok(())
        } else {
            Err(malformed("DER: NULL with content"))
        }
    }
}

/// Parses `input` as exactly one value read by `f`, with nothing after it.
pub(crate) fn parse_all<'a, T>(
    input: &'a [u8],
    f: impl FnOnce(&mut Reader<'a>) -> Result<T>,
) -> Result<T> {
    let mut r = Reader::new(input);
    let out = f(&mut r)?;
    r.finish()?;
    Ok(out)
}

/// X.690 §8.3.2: an INTEGER has at least one content octet, and its first nine bits are never
/// all zeros or all ones.
fn check_integer(v: &[u8]) -> Result<()> {
    match v {
        [] => Err(malformed("DER: empty INTEGER")),
        [0x00, b, ..] if b & 0x80 == 0 => Err(malformed("DER: non-minimal INTEGER")),
        [0xff, b, ..] if b & 0x80 != 0 => Err(malformed("DER: non-minimal INTEGER")),
        _ => Ok(()),
    }
}

/// X.690 §8.19: subidentifiers are base-128, minimal (no leading 0x80 octet), and the last
/// octet of each has the high bit clear.
fn check_oid(v: &[u8]) -> Result<()> {
    let last_ok = v.last().is_some_and(|b| b & 0x80 == 0);
    let mut at_start = true;
    for &b in v {
        if at_start && b == 0x80 {
            return Err(malformed("DER: non-minimal OBJECT IDENTIFIER"));
        }
        at_start = b & 0x80 == 0;
    }
    if last_ok {
        Ok(())
    } else {
        Err(malformed("DER: invalid OBJECT IDENTIFIER"))
    }
}

/// The octets of a BIT STRING with no unused bits (X.690 §8.6.2).
fn bit_string_octets(v: &[u8]) -> Result<&[u8]> {
    match v.split_first() {
        Some((0, bits)) => Ok(bits),
        Some(_) => Err(malformed("DER: BIT STRING with unused bits")),
        None => Err(malformed("DER: empty BIT STRING")),
    }
}

/// Dotted form of an OID's content octets, for error messages.
pub(crate) fn oid_to_string(v: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    for &b in v {
        acc = match acc.checked_mul(128) {
            Some(a) => a | u128::from(b & 0x7f),
            None => return "<oversized OID>".into(),
        };
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    let mut out = String::new();
    for (i, arc) in arcs.iter().enumerate() {
        if i == 0 {
            // X.690 §8.19.4: the first subidentifier packs the first two arcs.
            let (a, b) = match *arc {
                x if x < 40 => (0, x),
                x if x < 80 => (1, x - 40),
                x => (2, x - 80),
            };
            out.push_str(&format!("{a}.{b}"));
        } else {
            out.push_str(&format!(".{arc}"));
        }
    }
    out
}

/// Builds DER bottom-up in one buffer: contents are written first, then their header is
/// inserted in front of them, so nested private material is never copied into temporaries.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Writer::default()
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Writes a value with `tag` whose contents `f` writes.
    pub(crate) fn tlv(&mut self, tag: u8, f: impl FnOnce(&mut Writer)) {
        self.buf.push(tag);
        let start = self.buf.len();
        f(self);
        let len = self.buf.len() - start;
        let mut header = [0u8; 1 + size_of::<usize>()];
        let header: &[u8] = if len < 0x80 {
            header[0] = len as u8;
            &header[..1]
        } else {
            // X.690 §10.1: the fewest length octets that hold the length.
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            let n = bytes.len() - skip;
            header[0] = 0x80 | n as u8;
            header[1..=n].copy_from_slice(&bytes[skip..]);
            &header[..=n]
        };
        self.buf.splice(start..start, header.iter().copied());
    }

    pub(crate) fn bytes(&mut self, tag: u8, content: &[u8]) {
        self.tlv(tag, |w| w.raw(content));
    }

    /// Appends already encoded octets (contents of an enclosing value).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub(crate) fn sequence(&mut self, f: impl FnOnce(&mut Writer)) {
        self.tlv(SEQUENCE, f);
    }

    pub(crate) fn explicit(&mut self, n: u8, f: impl FnOnce(&mut Writer)) {
        self.tlv(context_constructed(n), f);
    }

    /// A non-negative INTEGER from a big-endian magnitude that may carry leading zeros:
    /// X.690 §8.3.2 wants them removed, and one zero added back when the top bit is set so
    /// the value does not read as negative.
    pub(crate) fn unsigned_integer(&mut self, magnitude: &[u8]) {
        let first = magnitude
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(magnitude.len());
        let m = &magnitude[first..];
        self.tlv(INTEGER, |w| match m.first() {
            None => w.buf.push(0),
            Some(&b) => {
                if b & 0x80 != 0 {
                    w.buf.push(0);
                }
                w.buf.extend_from_slice(m);
            }
        });
    }

    pub(crate) fn small_uint(&mut self, v: u8) {
        self.unsigned_integer(&[v]);
    }

    pub(crate) fn octet_string(&mut self, content: &[u8]) {
        self.bytes(OCTET_STRING, content);
    }

    pub(crate) fn octet_string_with(&mut self, f: impl FnOnce(&mut Writer)) {
        self.tlv(OCTET_STRING, f);
    }

    /// A BIT STRING of whole octets.
    pub(crate) fn bit_string(&mut self, content: &[u8]) {
        self.bit_string_tagged(BIT_STRING, |w| w.raw(content));
    }

    /// A whole-octet BIT STRING under `tag` (its own, or an IMPLICIT context tag).
    pub(crate) fn bit_string_tagged(&mut self, tag: u8, f: impl FnOnce(&mut Writer)) {
        self.tlv(tag, |w| {
            w.buf.push(0);
            f(w);
        });
    }

    pub(crate) fn oid(&mut self, content: &[u8]) {
        self.bytes(OID, content);
    }

    pub(crate) fn null(&mut self) {
        self.bytes(NULL, &[]);
    }
}

// ---------------------------------------------------------------------------------------------
// PKCS#1 (RFC 8017 Appendix A.1)

/// PKCS#1 RSAPublicKey: `SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
pub(crate) fn rsa_public_key_pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.sequence(|w| {
        w.unsigned_integer(n);
        w.unsigned_integer(e);
    });
    w.into_vec()
}

/// PKCS#1 RSAPrivateKey, two-prime form (version 0).
pub(crate) fn rsa_private_key_pkcs1(key: &RsaParams) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    write_rsa_private_key(&mut w, key)?;
    Ok(w.into_vec())
}

fn write_rsa_private_key(w: &mut Writer, key: &RsaParams) -> Result<()> {
    let p = key
        .private
        .as_ref()
        .ok_or_else(|| invalid("an RSA public key has no private key encoding"))?;
    w.sequence(|w| {
        // RFC 8017 A.1.2: version 0 is two-prime; 1 would announce otherPrimeInfos.
        w.small_uint(0);
        w.unsigned_integer(&key.n);
        w.unsigned_integer(&key.e);
        for v in [&p.d, &p.p, &p.q, &p.dp, &p.dq, &p.qi] {
            w.unsigned_integer(v.expose());
        }
    });
    Ok(())
}

/// A positive RSA value for a JWK: RFC 7518 §2 Base64urlUInt has no leading zeros, which
/// [`Reader::unsigned_integer`] already guarantees; zero is refused as no RSA value may be 0.
fn rsa_value(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<u8>> {
    let v = r.unsigned_integer(what)?;
    if v == [0] {
        return Err(invalid(format!("RSA key with a zero {what}")));
    }
    Ok(v.to_vec())
}

/// Parses PKCS#1 RSAPublicKey.
pub(crate) fn parse_rsa_public_key(der: &[u8]) -> Result<RsaParams> {
    parse_all(der, |r| {
        let mut s = r.sequence("RSAPublicKey: expected SEQUENCE")?;
        let n = rsa_value(&mut s, "modulus")?;
        let e = rsa_value(&mut s, "public exponent")?;
        s.finish()?;
        Ok(RsaParams {
            n,
            e,
            private: None,
        })
    })
}

/// Parses PKCS#1 RSAPrivateKey (two-prime only).
pub(crate) fn parse_rsa_private_key(der: &[u8]) -> Result<RsaParams> {
    parse_all(der, |r| {
        let mut s = r.sequence("RSAPrivateKey: expected SEQUENCE")?;
        match s.small_uint("RSAPrivateKey: bad version")? {
            0 => {}
            1 => return Err(invalid("multi-prime RSA keys are not supported")),
            _ => return Err(malformed("RSAPrivateKey: unknown version")),
        }
        let n = rsa_value(&mut s, "modulus")?;
        let e = rsa_value(&mut s, "public exponent")?;
        let mut next = |what| rsa_value(&mut s, what).map(SecretBytes::new);
        let private = RsaPrivateParams {
            d: next("private exponent")?,
            p: next("prime1")?,
            q: next("prime2")?,
            dp: next("exponent1")?,
            dq: next("exponent2")?,
            qi: next("coefficient")?,
        };
        if !s.is_empty() {
            // RFC 8017 A.1.2: otherPrimeInfos may only follow version 1.
            return Err(malformed("RSAPrivateKey: trailing data"));
        }
        Ok(RsaParams {
            n,
            e,
            private: Some(private),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Algorithm identifiers

/// The key algorithm named by an AlgorithmIdentifier (RFC 5280 §4.1.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyAlgorithm {
    Rsa,
    Ec(EcCurve),
    Okp(OkpCurve),
}

fn curve_oid(c: EcCurve) -> &'static [u8] {
    match c {
        EcCurve::P256 => oid::P256,
        EcCurve::P384 => oid::P384,
        EcCurve::P521 => oid::P521,
        EcCurve::Secp256k1 => oid::SECP256K1,
    }
}

fn curve_from_oid(v: &[u8]) -> Result<EcCurve> {
    [
        EcCurve::P256,
        EcCurve::P384,
        EcCurve::P521,
        EcCurve::Secp256k1,
    ]
    .into_iter()
    .find(|&c| curve_oid(c) == v)
    .ok_or_else(|| invalid(format!("unsupported EC curve OID {}", oid_to_string(v))))
}

fn okp_oid(c: OkpCurve) -> &'static [u8] {
    match c {
        OkpCurve::Ed25519 => oid::ED25519,
        OkpCurve::Ed448 => oid::ED448,
        OkpCurve::X25519 => oid::X25519,
        OkpCurve::X448 => oid::X448,
    }
}

/// ECParameters (RFC 5480 §2.1.1): only `namedCurve`; `implicitCurve` and `specifiedCurve`
/// are forbidden in PKIX and not supported here.
fn read_named_curve(r: &mut Reader<'_>) -> Result<EcCurve> {
    match r.peek_tag() {
        Some(OID) => curve_from_oid(r.oid("EC parameters: bad OID")?),
        Some(_) => Err(invalid(
            "EC keys with explicit or implicit curve parameters are not supported",
        )),
        None => Err(invalid("EC key without curve parameters")),
    }
}

fn read_algorithm(r: &mut Reader<'_>) -> Result<KeyAlgorithm> {
    let mut a = r.sequence("AlgorithmIdentifier: expected SEQUENCE")?;
    let id = a.oid("AlgorithmIdentifier: expected OID")?;
    let alg = if id == oid::RSA_ENCRYPTION {
        // RFC 3279 §2.3.1: the parameters are NULL. Some encoders omit them; that is accepted.
        if !a.is_empty() {
            a.null("rsaEncryption: parameters must be NULL")?;
        }
        KeyAlgorithm::Rsa
    } else if id == oid::EC_PUBLIC_KEY {
        KeyAlgorithm::Ec(read_named_curve(&mut a)?)
    } else if let Some(c) = [
        OkpCurve::Ed25519,
        OkpCurve::Ed448,
        OkpCurve::X25519,
        OkpCurve::X448,
    ]
    .into_iter()
    .find(|&c| okp_oid(c) == id)
    {
        // RFC 8410 §3: the parameters MUST be absent.
        if !a.is_empty() {
            return Err(malformed(
                "RFC 8410 key: algorithm parameters must be absent",
            ));
        }
        KeyAlgorithm::Okp(c)
    } else if id == oid::RSASSA_PSS {
        return Err(invalid(
            "RSASSA-PSS (1.2.840.113549.1.1.10) keys are not supported; use an rsaEncryption key",
        ));
    } else {
        return Err(invalid(format!(
            "unsupported key algorithm OID {}",
            oid_to_string(id)
        )));
    };
    a.finish()?;
    Ok(alg)
}

fn write_algorithm(w: &mut Writer, alg: KeyAlgorithm) {
    w.sequence(|w| match alg {
        KeyAlgorithm::Rsa => {
            w.oid(oid::RSA_ENCRYPTION);
            w.null();
        }
        KeyAlgorithm::Ec(c) => {
            w.oid(oid::EC_PUBLIC_KEY);
            w.oid(curve_oid(c));
        }
        KeyAlgorithm::Okp(c) => w.oid(okp_oid(c)),
    });
}

// ---------------------------------------------------------------------------------------------
// Key material checks

/// Splits an uncompressed SEC1 point (SEC 1 §2.3.3, RFC 5480 §2.2) into its coordinates.
fn split_point(curve: EcCurve, point: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let len = curve.coordinate_len();
    match point.split_first() {
        Some((4, xy)) if xy.len() == 2 * len => {
            let (x, y) = xy.split_at(len);
            Ok((x.to_vec(), y.to_vec()))
        }
        Some((2 | 3, _)) => Err(invalid(
            "compressed EC points are not supported (decompressing needs curve arithmetic)",
        )),
        Some((4, _)) => Err(invalid(format!(
            "EC point of the wrong length for {}",
            curve.name()
        ))),
        _ => Err(invalid("EC public key is not an uncompressed point")),
    }
}

/// RFC 5915 §3 fixes the private key at the order's length, but some encoders drop leading
/// zero octets (or, rarely, add one): accept both and normalize to the JWK length
/// (RFC 7518 §6.2.2.1).
fn ec_scalar(curve: EcCurve, d: &[u8]) -> Result<SecretBytes> {
    let len = curve.coordinate_len();
    let first = d
        .iter()
        .position(|&b| b != 0)
        .ok_or_else(|| invalid("EC private key is zero"))?;
    let significant = &d[first..];
    if significant.len() > len {
        return Err(invalid(format!(
            "EC private key too long for {}",
            curve.name()
        )));
    }
    let mut out = vec![0u8; len];
    out[len - significant.len()..].copy_from_slice(significant);
    Ok(SecretBytes::new(out))
}

fn check_ec(p: &EcParams) -> Result<()> {
    let len = p.crv.coordinate_len();
    let d_ok = p.d.as_ref().is_none_or(|d| d.len() == len);
    if p.x.len() == len && p.y.len() == len && d_ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{} key components must be {len} bytes",
            p.crv.name()
        )))
    }
}

fn check_okp(p: &OkpParams) -> Result<()> {
    let len = p.crv.key_len();
    let d_ok = p.d.as_ref().is_none_or(|d| d.len() == len);
    if p.x.len() == len && d_ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{} keys must be {len} bytes",
            p.crv.name()
        )))
    }
}

fn okp_value(curve: OkpCurve, v: &[u8], what: &str) -> Result<Vec<u8>> {
    if v.len() == curve.key_len() {
        Ok(v.to_vec())
    } else {
        Err(invalid(format!(
            "{} {what} must be {} bytes, not {}",
            curve.name(),
            curve.key_len(),
            v.len()
        )))
    }
}

fn missing_public(kind: &str) -> Error {
    invalid(format!(
        "the {kind} private key does not carry its public key, which is required: deriving it \
         needs curve arithmetic this crate does not do (re-export the key with its public key)"
    ))
}

// ---------------------------------------------------------------------------------------------
// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7)

/// Reads a SubjectPublicKeyInfo from `r`.
fn read_spki(r: &mut Reader<'_>) -> Result<KeyParams> {
    let mut s = r.sequence("SubjectPublicKeyInfo: expected SEQUENCE")?;
    let alg = read_algorithm(&mut s)?;
    let key = s.bit_string("SubjectPublicKeyInfo: expected BIT STRING")?;
    s.finish()?;
    Ok(match alg {
        // RFC 3279 §2.3.1: the bits are a DER RSAPublicKey.
        KeyAlgorithm::Rsa => KeyParams::Rsa(parse_rsa_public_key(key)?),
        // RFC 5480 §2.2: the bits are the ECPoint octets themselves.
        KeyAlgorithm::Ec(crv) => {
            let (x, y) = split_point(crv, key)?;
            KeyParams::Ec(EcParams { crv, x, y, d: None })
        }
        // RFC 8410 §4: the bits are the raw public key.
        KeyAlgorithm::Okp(crv) => KeyParams::Okp(OkpParams {
            crv,
            x: okp_value(crv, key, "public key")?,
            d: None,
        }),
    })
}

/// Parses a DER SubjectPublicKeyInfo.
pub(crate) fn parse_spki(der: &[u8]) -> Result<KeyParams> {
    parse_all(der, read_spki)
}

/// Encodes the public part of `key` as a SubjectPublicKeyInfo.
pub(crate) fn write_spki(key: &KeyParams) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    match key {
        KeyParams::Rsa(p) => w.sequence(|w| {
            write_algorithm(w, KeyAlgorithm::Rsa);
            w.bit_string(&rsa_public_key_pkcs1(&p.n, &p.e));
        }),
        KeyParams::Ec(p) => {
            check_ec(p)?;
            w.sequence(|w| {
                write_algorithm(w, KeyAlgorithm::Ec(p.crv));
                w.bit_string(&p.uncompressed_point());
            });
        }
        KeyParams::Okp(p) => {
            check_okp(p)?;
            w.sequence(|w| {
                write_algorithm(w, KeyAlgorithm::Okp(p.crv));
                w.bit_string(&p.x);
            });
        }
        KeyParams::Oct(_) => return Err(invalid("symmetric keys have no public key encoding")),
    }
    Ok(w.into_vec())
}

// ---------------------------------------------------------------------------------------------
// X.509 certificates (RFC 5280 §4.1)

/// Extracts the SubjectPublicKeyInfo of a DER certificate. Nothing else about the
/// certificate is checked beyond its DER structure.
pub(crate) fn parse_certificate_spki(der: &[u8]) -> Result<KeyParams> {
    parse_all(der, |r| {
        let mut cert = r.sequence("Certificate: expected SEQUENCE")?;
        let mut tbs = cert.sequence("TBSCertificate: expected SEQUENCE")?;
        // version [0] EXPLICIT, DEFAULT v1.
        if let Some(mut v) = tbs.explicit(0)? {
            v.small_uint("Certificate: bad version")?;
            v.finish()?;
        }
        // The serial number may be negative or oversized in real certificates (RFC 5280
        // §4.1.2.2 asks issuers for better, not verifiers); only its tag is checked.
        tbs.read(INTEGER, "Certificate: expected serialNumber")?;
        tbs.sequence("Certificate: expected signature AlgorithmIdentifier")?;
        tbs.sequence("Certificate: expected issuer")?;
        tbs.sequence("Certificate: expected validity")?;
        tbs.sequence("Certificate: expected subject")?;
        let key = read_spki(&mut tbs)?;
        // issuerUniqueID, subjectUniqueID, extensions: well-formed, otherwise ignored.
        while !tbs.is_empty() {
            tbs.read_any()?;
        }
        cert.sequence("Certificate: expected signatureAlgorithm")?;
        cert.read(BIT_STRING, "Certificate: expected signatureValue")?;
        cert.finish()?;
        Ok(key)
    })
}

// ---------------------------------------------------------------------------------------------
// SEC1 ECPrivateKey (RFC 5915 §3)

struct Sec1<'a> {
    curve: Option<EcCurve>,
    d: &'a [u8],
    point: Option<&'a [u8]>,
}

fn read_sec1<'a>(r: &mut Reader<'a>) -> Result<Sec1<'a>> {
    let mut s = r.sequence("ECPrivateKey: expected SEQUENCE")?;
    // RFC 5915 §3: ecPrivkeyVer1 (1).
    if s.small_uint("ECPrivateKey: bad version")? != 1 {
        return Err(malformed("ECPrivateKey: version must be 1"));
    }
    let d = s.octet_string("ECPrivateKey: expected privateKey OCTET STRING")?;
    let curve = match s.explicit(0)? {
        Some(mut p) => {
            let c = read_named_curve(&mut p)?;
            p.finish()?;
            Some(c)
        }
        None => None,
    };
    let point = match s.explicit(1)? {
        Some(mut p) => {
            let bits = p.bit_string("ECPrivateKey: publicKey must be a BIT STRING")?;
            p.finish()?;
            Some(bits)
        }
        None => None,
    };
    s.finish()?;
    Ok(Sec1 { curve, d, point })
}

fn sec1_to_params(curve: EcCurve, d: &[u8], point: Option<&[u8]>) -> Result<EcParams> {
    let d = ec_scalar(curve, d)?;
    let (x, y) = split_point(curve, point.ok_or_else(|| missing_public("EC"))?)?;
    Ok(EcParams {
        crv: curve,
        x,
        y,
        d: Some(d),
    })
}

/// Parses a stand-alone SEC1 ECPrivateKey, which must name its curve.
pub(crate) fn parse_sec1(der: &[u8]) -> Result<EcParams> {
    let k = parse_all(der, read_sec1)?;
    let curve = k
        .curve
        .ok_or_else(|| invalid("SEC1 EC private key does not name its curve"))?;
    sec1_to_params(curve, k.d, k.point)
}

/// ECPrivateKey with the curve and the public key present: RFC 5915 §3 makes both optional,
/// but readers of stand-alone SEC1 need the curve and most readers want the point.
fn write_sec1(w: &mut Writer, p: &EcParams, d: &SecretBytes) {
    w.sequence(|w| {
        w.small_uint(1);
        w.octet_string(d.expose());
        w.explicit(0, |w| w.oid(curve_oid(p.crv)));
        w.explicit(1, |w| w.bit_string(&p.uncompressed_point()));
    });
}

// ---------------------------------------------------------------------------------------------
// PKCS#8 / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2)

/// Parses a DER PrivateKeyInfo (v1) or OneAsymmetricKey (v2).
pub(crate) fn parse_pkcs8(der: &[u8]) -> Result<KeyParams> {
    parse_all(der, |r| {
        let mut s = r.sequence("PrivateKeyInfo: expected SEQUENCE")?;
        let version = s.small_uint("PrivateKeyInfo: bad version")?;
        if version > 1 {
            return Err(malformed("PrivateKeyInfo: unknown version"));
        }
        let alg = read_algorithm(&mut s)?;
        let private = s.octet_string("PrivateKeyInfo: expected privateKey OCTET STRING")?;
        // attributes [0] IMPLICIT SET OF Attribute: nothing here is used.
        s.read_optional(context_constructed(0))?;
        // RFC 5958 §2: publicKey [1] IMPLICIT BIT STRING, only in v2. Older ring releases
        // wrote it as a constructed [1] around a BIT STRING; that form is read too.
        let public = match s.peek_tag() {
            Some(t) if t == context_primitive(1) => Some(bit_string_octets(s.read_any()?)?),
            Some(t) if t == context_constructed(1) => {
                let mut p = s
                    .explicit(1)?
                    .ok_or(malformed("PrivateKeyInfo: bad publicKey"))?;
                let bits = p.bit_string("PrivateKeyInfo: bad publicKey")?;
                p.finish()?;
                Some(bits)
            }
            _ => None,
        };
        s.finish()?;
        if version == 0 && public.is_some() {
            return Err(malformed(
                "PrivateKeyInfo: a version 1 key cannot carry a public key",
            ));
        }
        pkcs8_key(alg, private, public)
    })
}

fn pkcs8_key(alg: KeyAlgorithm, private: &[u8], public: Option<&[u8]>) -> Result<KeyParams> {
    match alg {
        KeyAlgorithm::Rsa => {
            let key = parse_rsa_private_key(private)?;
            if let Some(public) = public {
                let declared = parse_rsa_public_key(public)?;
                if declared.n != key.n || declared.e != key.e {
                    return Err(invalid(
                        "PKCS#8 public key does not match the RSA private key",
                    ));
                }
            }
            Ok(KeyParams::Rsa(key))
        }
        KeyAlgorithm::Ec(curve) => {
            let k = parse_all(private, read_sec1)?;
            if k.curve.is_some_and(|c| c != curve) {
                return Err(invalid(
                    "ECPrivateKey curve differs from the PKCS#8 algorithm",
                ));
            }
            let point = match (k.point, public) {
                (Some(a), Some(b)) if a != b => {
                    return Err(invalid("the two public keys in the PKCS#8 EC key differ"));
                }
                (a, b) => a.or(b),
            };
            Ok(KeyParams::Ec(sec1_to_params(curve, k.d, point)?))
        }
        KeyAlgorithm::Okp(crv) => {
            // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, itself inside privateKey.
            let d = parse_all(private, |r| {
                r.octet_string("CurvePrivateKey: expected OCTET STRING")
            })?;
            let d = SecretBytes::new(okp_value(crv, d, "private key")?);
            let x = okp_value(
                crv,
                public.ok_or_else(|| missing_public(crv.name()))?,
                "public key",
            )?;
            Ok(KeyParams::Okp(OkpParams { crv, x, d: Some(d) }))
        }
    }
}

/// Encodes a private key as PKCS#8: version 1 (RFC 5208) for RSA and EC, whose private
/// structures carry the public key already, and version 2 (RFC 5958) with `publicKey` for
/// OKP keys, whose CurvePrivateKey does not.
pub(crate) fn write_pkcs8(key: &KeyParams) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    match key {
        KeyParams::Rsa(p) => {
            if p.private.is_none() {
                return Err(invalid("an RSA public key cannot be encoded as PKCS#8"));
            }
            let mut res = Ok(());
            w.sequence(|w| {
                w.small_uint(0);
                write_algorithm(w, KeyAlgorithm::Rsa);
                w.octet_string_with(|w| res = write_rsa_private_key(w, p));
            });
            res?;
        }
        KeyParams::Ec(p) => {
            check_ec(p)?;
            let d =
                p.d.as_ref()
                    .ok_or_else(|| invalid("an EC public key cannot be encoded as PKCS#8"))?;
            w.sequence(|w| {
                w.small_uint(0);
                write_algorithm(w, KeyAlgorithm::Ec(p.crv));
                w.octet_string_with(|w| write_sec1(w, p, d));
            });
        }
        KeyParams::Okp(p) => {
            check_okp(p)?;
            let d =
                p.d.as_ref()
                    .ok_or_else(|| invalid("an OKP public key cannot be encoded as PKCS#8"))?;
            w.sequence(|w| {
                w.small_uint(1);
                write_algorithm(w, KeyAlgorithm::Okp(p.crv));
                w.octet_string_with(|w| w.octet_string(d.expose()));
                w.bit_string_tagged(context_primitive(1), |w| w.raw(&p.x));
            });
        }
        KeyParams::Oct(_) => return Err(invalid("symmetric keys have no PKCS#8 encoding")),
    }
    Ok(w.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn integers_are_minimal_and_unsigned() {
        let enc = |m: &[u8]| {
            let mut w = Writer::new();
            w.unsigned_integer(m);
            w.into_vec()
        };
        assert_eq!(enc(&[]), hex("020100"));
        assert_eq!(enc(&[0, 0]), hex("020100"));
        assert_eq!(enc(&[0x7f]), hex("02017f"));
        assert_eq!(enc(&[0x80]), hex("02020080"));
        assert_eq!(enc(&[0, 0, 0x80, 1]), hex("0203008001"));
        for (der, want) in [
            ("020100", &[0u8][..]),
            ("02017f", &[0x7f]),
            ("02020080", &[0x80]),
        ] {
            assert_eq!(
                parse_all(&hex(der), |r| r.unsigned_integer("x")).unwrap(),
                want
            );
        }
        for bad in ["0200", "02020001", "0202ff80", "020180", "0201ff"] {
            assert!(
                parse_all(&hex(bad), |r| r.unsigned_integer("x")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn lengths_are_definite_and_minimal() {
        let long = {
            let mut w = Writer::new();
            w.octet_string(&[7; 200]);
            w.into_vec()
        };
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        assert_eq!(
            parse_all(&long, |r| r.octet_string("x")).unwrap(),
            &[7; 200][..]
        );
        let big = {
            let mut w = Writer::new();
            w.octet_string(&[1; 300]);
            w.into_vec()
        };
        assert_eq!(&big[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let cases = [
            ("0481050102030405", "long form for a short length"),
            ("048200050102030405", "leading zero length octet"),
            ("0480010200", "indefinite length"),
            ("0485010000000000", "five length octets"),
            ("040301", "length beyond the input"),
            ("0401", "missing content"),
            ("04", "missing length"),
            ("0401aa00", "trailing byte"),
            ("1f0100", "high tag number"),
        ];
        for (der, why) in cases {
            assert!(
                parse_all(&hex(der), |r| r.octet_string("x")).is_err(),
                "{why}"
            );
        }
    }

    #[test]
    fn other_primitives() {
        assert!(parse_all(&hex("0500"), |r| r.null("x")).is_ok());
        assert!(parse_all(&hex("050100"), |r| r.null("x")).is_err());
        assert_eq!(
            parse_all(&hex("030300abcd"), |r| r.bit_string("x")).unwrap(),
            hex("abcd")
        );
        assert!(
            parse_all(&hex("030301abcd"), |r| r.bit_string("x")).is_err(),
            "unused bits"
        );
        assert!(parse_all(&hex("0300"), |r| r.bit_string("x")).is_err());
        assert!(parse_all(&hex("06032b6570"), |r| r.oid("x")).is_ok());
        assert!(
            parse_all(&hex("06032b65f0"), |r| r.oid("x")).is_err(),
            "unterminated"
        );
        assert!(
            parse_all(&hex("0603808165"), |r| r.oid("x")).is_err(),
            "non-minimal arc"
        );
        assert!(parse_all(&hex("0600"), |r| r.oid("x")).is_err());
        assert_eq!(oid_to_string(oid::RSA_ENCRYPTION), "1.2.840.113549.1.1.1");
        assert_eq!(oid_to_string(oid::P384), "1.3.132.0.34");
        assert_eq!(oid_to_string(&hex("88 37")), "2.999");
    }

    #[test]
    fn nesting_is_bounded() {
        // Twenty nested SEQUENCEs: the reader refuses to descend past MAX_DEPTH.
        let mut der = vec![0x30, 0x00];
        for _ in 0..20 {
            let mut w = Writer::new();
            w.sequence(|w| w.raw(&der));
            der = w.into_vec();
        }
        let mut r = Reader::new(&der);
        let mut depth = 0;
        let err = loop {
            match r.sequence("x") {
                Ok(inner) => {
                    r = inner;
                    depth += 1;
                }
                Err(e) => break e,
            }
        };
        assert_eq!(depth, usize::from(MAX_DEPTH));
        assert_eq!(err, Error::Malformed("DER: nested too deeply"));
    }

    #[test]
    fn rsa_public_key_normalizes_leading_zeros() {
        let a = rsa_public_key_pkcs1(&[0, 0, 0xc1, 0x02], &[0, 1, 0, 1]);
        assert_eq!(a, hex("300a 020300c102 0203010001"));
        let back = parse_rsa_public_key(&a).unwrap();
        assert_eq!((back.n, back.e), (vec![0xc1, 0x02], vec![1, 0, 1]));
        assert!(
            parse_rsa_public_key(&hex("3006 020100 020101")).is_err(),
            "zero modulus"
        );
    }

    #[test]
    fn rsa_private_key_needs_private_params() {
        let public = RsaParams {
            n: vec![0xc1],
            e: vec![3],
            private: None,
        };
        assert!(matches!(
            rsa_private_key_pkcs1(&public),
            Err(Error::InvalidKey(_))
        ));
    }
}
