//! What signing and verifying one envelope costs, next to raw Ed25519.
//!
//! `cargo bench -p passerelle-protocol` builds a realistic `proposal.shared`
//! envelope of about 1 KB and prints, for each operation, the median time per
//! operation over several batches, the operations per second, and the ratio
//! to raw Ed25519 on the same canonical bytes, measured in the same run.
//! No benchmark framework: a plain `main`, so no extra dependency.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use passerelle_protocol::body::{ManagementAnswer, Origin, ProposalStatus, SharedProposal, Theme};
use passerelle_protocol::canonical::canonicalize;
use passerelle_protocol::{
    Body, Date, Envelope, KeyPair, Limits, NodeId, SignedEnvelope, Timestamp,
};
use uuid::Uuid;

/// Batches per operation; the median of their per-operation times is reported.
const BATCHES: usize = 11;
/// Target duration of one batch.
const BATCH_TIME: Duration = Duration::from_millis(40);

struct Stats {
    median_ns: f64,
    min_ns: f64,
    max_ns: f64,
}

/// Times `op`: first finds how many calls fill a batch, then runs `BATCHES` batches.
fn measure<T>(mut op: impl FnMut() -> T) -> Stats {
    let mut iterations: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(op());
        }
        let elapsed = start.elapsed();
        if elapsed >= BATCH_TIME / 4 {
            let scale = BATCH_TIME.as_secs_f64() / elapsed.as_secs_f64();
            iterations = ((iterations as f64 * scale).ceil() as u64).max(1);
            break;
        }
        iterations *= 2;
    }
    let mut per_op: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(op());
            }
            start.elapsed().as_nanos() as f64 / iterations as f64
        })
        .collect();
    per_op.sort_by(f64::total_cmp);
    Stats {
        median_ns: per_op[BATCHES / 2],
        min_ns: per_op[0],
        max_ns: per_op[BATCHES - 1],
    }
}

fn proposal_envelope(keys: &KeyPair) -> Result<Envelope, Box<dyn Error>> {
    let body = Body::ProposalShared(SharedProposal {
        proposal: Uuid::parse_str("01936b2a-7c00-7000-8000-0000000000a1")?,
        title: "Rampe d'accès au jardin côté réfectoire".into(),
        description: "Les résidents en fauteuil ne peuvent pas accéder seuls au jardin : \
            les trois marches devant la porte du réfectoire les obligent à attendre \
            qu'un membre du personnel soit disponible, ce qui arrive rarement l'après-midi. \
            Le conseil propose une rampe en pente douce, avec une main courante des deux \
            côtés, et un banc à l'ombre près de l'entrée. Plusieurs familles se sont \
            proposées pour aider à l'aménagement des bacs de plantes au printemps. \
            « Priorité » pour l'été, d'après le conseil du 12 novembre."
            .into(),
        theme: Theme::Accessibility,
        tags: vec![
            "accès".into(),
            "extérieur".into(),
            "été".into(),
            "mobilité".into(),
        ],
        origin: Origin::Committee,
        status: ProposalStatus::Accepted,
        answer: Some(ManagementAnswer {
            text: "La direction accepte : devis demandé, travaux prévus en avril.".into(),
            date: Date::parse("2026-11-20")?,
        }),
    });
    // As on the wire since version 2: the texts sealed, their openings beside
    // (fixed salts, so that every run measures the same bytes).
    let mut envelope = Envelope::with_salts(
        NodeId::parse("ssm-courcelles")?,
        NodeId::parse("hub-charleroi")?,
        2,
        Some(passerelle_protocol::Hash::of(b"the first message")),
        &body,
        keys.key_id().clone(),
        &mut || Ok([9; 16]),
    )?;
    envelope.id = Uuid::parse_str("01936b2a-7c00-7000-8000-000000000002")?;
    envelope.ts = Timestamp::parse("2026-11-23T09:31:05Z")?;
    Ok(envelope)
}

fn main() -> Result<(), Box<dyn Error>> {
    let seed = [7u8; 32];
    let keys = KeyPair::from_seed(&seed);
    let public_key = keys.public_key();
    let audience = NodeId::parse("hub-charleroi")?;
    let envelope = proposal_envelope(&keys)?;
    let signing_bytes = envelope.signing_bytes();
    let signed = envelope.clone().sign(&keys)?;
    let wire = signed.canonical_bytes().to_vec();

    // The baseline: Ed25519 alone on the same bytes (verify_strict, as the protocol).
    let dalek = SigningKey::from_bytes(&seed);
    let dalek_public = dalek.verifying_key();
    let dalek_sig = dalek.sign(&signing_bytes);
    dalek_public
        .verify_strict(&signing_bytes, &dalek_sig)
        .map_err(|e| format!("baseline does not verify: {e}"))?;
    SignedEnvelope::parse(&wire)?.verify_signature(&public_key)?;

    println!(
        "proposal.shared envelope: {} bytes signed ({} bytes signed over), {} batches of ~{} ms each",
        wire.len(),
        signing_bytes.len(),
        BATCHES,
        BATCH_TIME.as_millis()
    );

    let raw_sign = measure(|| dalek.sign(black_box(&signing_bytes)));
    let raw_verify = measure(|| {
        dalek_public
            .verify_strict(black_box(&signing_bytes), &dalek_sig)
            .is_ok()
    });
    let sign = measure(|| {
        black_box(&envelope)
            .clone()
            .sign(&keys)
            .expect("the envelope signs")
    });
    let verify = measure(|| {
        let parsed = SignedEnvelope::parse(black_box(&wire)).expect("the envelope parses");
        parsed
            .verify_signature(&public_key)
            .expect("the signature verifies");
        parsed
    });
    let receive = measure(|| {
        let parsed = SignedEnvelope::parse(black_box(&wire)).expect("the envelope parses");
        parsed
            .verify_signature(&public_key)
            .expect("the signature verifies");
        parsed.check_audience(&audience).expect("right audience");
        parsed.body().expect("the body is valid")
    });
    let canonicalise = measure(|| {
        canonicalize(black_box(&wire), &Limits::ENVELOPE).expect("the envelope canonicalises")
    });
    let to_bytes = measure(|| black_box(&envelope).signing_bytes());

    type Row<'a> = (&'a str, &'a Stats, Option<&'a Stats>);
    let rows: [Row; 7] = [
        ("raw ed25519 sign (baseline)", &raw_sign, None),
        ("raw ed25519 verify_strict (baseline)", &raw_verify, None),
        (
            "(a) canonicalise + sign: Envelope::sign",
            &sign,
            Some(&raw_sign),
        ),
        ("(b) parse + verify_signature", &verify, Some(&raw_verify)),
        ("    + check_audience + body()", &receive, Some(&raw_verify)),
        (
            "(c) canonicalize (parse + write)",
            &canonicalise,
            Some(&raw_verify),
        ),
        (
            "    Envelope::signing_bytes (write)",
            &to_bytes,
            Some(&raw_sign),
        ),
    ];
    println!();
    println!(
        "| {:<40} | {:>12} | {:>10} | {:>19} | {:>7} |",
        "operation", "median ns/op", "ops/s", "min..max ns/op", "vs raw"
    );
    println!(
        "|{:-<42}|{:->14}|{:->12}|{:->21}|{:->9}|",
        "", ":", ":", ":", ":"
    );
    for (name, stats, baseline) in rows {
        let ratio = baseline.map_or_else(
            || "1.00x".to_owned(),
            |b| format!("{:.2}x", stats.median_ns / b.median_ns),
        );
        println!(
            "| {:<40} | {:>12.0} | {:>10.0} | {:>19} | {:>7} |",
            name,
            stats.median_ns,
            1e9 / stats.median_ns,
            format!("{:.0}..{:.0}", stats.min_ns, stats.max_ns),
            ratio
        );
    }
    println!();
    println!(
        "vs raw: (a) and signing_bytes against raw sign; (b), the full receive \
         path and canonicalize against raw verify."
    );
    Ok(())
}
