//! Property tests: percent-encoding round trips, normalization is order-independent and
//! sorted, and no input makes the parsers panic.

use authcore_oauth1::{
    SignedRequest, normalize_parameters, parse_authorization, parse_form, percent_decode,
    percent_encode,
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn encode_then_decode_is_identity(s in any::<String>()) {
        let e = percent_encode(&s);
        prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert_eq!(percent_decode(&e, false).unwrap(), s.clone());
        prop_assert_eq!(percent_decode(&e, true).unwrap(), s);
    }

    #[test]
    fn form_round_trips(pairs in proptest::collection::vec((".{0,12}", ".{0,12}"), 0..8)) {
        let pairs: Vec<(String, String)> = pairs.into_iter().filter(|(n, v)| !n.is_empty() || !v.is_empty()).collect();
        let text = authcore_oauth1::encode_form(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        prop_assert_eq!(parse_form(&text).unwrap(), pairs);
    }

    #[test]
    fn normalization_ignores_order_and_is_sorted(
        pairs in proptest::collection::vec((".{0,8}", ".{0,8}"), 0..10),
        seed in any::<u64>(),
    ) {
        let a = normalize_parameters(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let mut shuffled = pairs.clone();
        let len = shuffled.len();
        if len > 1 {
            shuffled.rotate_left((seed as usize) % len);
            shuffled.swap(0, (seed as usize / 7) % len);
        }
        let b = normalize_parameters(shuffled.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        prop_assert_eq!(&a, &b);
        let parts: Vec<&str> = if a.is_empty() { vec![] } else { a.split('&').collect() };
        prop_assert_eq!(parts.len(), pairs.len());
        let keys: Vec<(&str, &str)> = parts.iter().map(|p| p.split_once('=').unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(keys, sorted);
    }

    #[test]
    fn decoders_never_panic(s in ".{0,64}", b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = percent_decode(&s, true);
        let _ = parse_form(&s);
        let _ = parse_authorization(&s);
        let _ = parse_authorization(&format!("OAuth {s}"));
        let _ = parse_form(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn request_parsing_never_panics(
        header in "OAuth [a-z_=\", %0-9A-F]{0,80}",
        query in "[a-z_=&%0-9A-F+]{0,40}",
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let req = http::Request::post(format!("https://api.example.com/p?{query}"))
            .header("authorization", header)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .unwrap();
        if let Ok(s) = SignedRequest::from_http(&req, "https") {
            let key = authcore_oauth1::ClientVerificationKey::Secret("s".into());
            let _ = s.verify(&key, None, &Default::default(), authcore_jose::UnixTime::from_secs(0));
        }
    }
}
