//! Decisions per second of the URL matcher over a catalogue of 1,000 rules.
//!
//! `cargo bench -p protocol --bench matcher` prints two throughputs: decisions on URLs parsed
//! beforehand (what the browser hook does with WebKit's URL) and parse + decide (from text).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use protocol::matcher::{Context, Matcher, Rule, Source, SourcedRule};
use url::Url;

/// 1,000 rules: exact hosts, `*.` domains, path prefixes, ports, over 100 procedures.
fn rules() -> Vec<SourcedRule> {
    (0..1000)
        .map(|i| {
            let text = match i % 4 {
                0 => format!("https://service{i}.gouv.fr"),
                1 => format!("https://*.agence{i}.fr"),
                2 => format!("https://portail{i}.example.org/demarches/etape{i}"),
                _ => format!("http://127.0.{}.{}:8{:03}", i / 250, i % 250, i % 1000),
            };
            let source = Source::Procedure(format!("procedure-{}", i / 10).parse().unwrap());
            SourcedRule { source, rule: Rule::parse(&text).unwrap() }
        })
        .collect()
}

/// Half allowed, half blocked, with the usual disguises among the blocked ones.
fn urls() -> Vec<String> {
    let mut urls = Vec::new();
    for i in (0..1000).step_by(37) {
        urls.extend([
            format!("https://service{}.gouv.fr/accueil?x=1", i / 4 * 4),
            format!("https://www.agence{}.fr/mon-compte/", i / 4 * 4 + 1),
            format!("https://portail{n}.example.org/demarches/etape{n}/formulaire", n = i / 4 * 4 + 2),
            format!("https://a.b.agence{}.fr/", i / 4 * 4 + 1),
            format!(
                "http://127.0.{}.{}:8{:03}/rdv",
                (i / 4 * 4 + 3) / 250,
                (i / 4 * 4 + 3) % 250,
                i / 4 * 4 + 3
            ),
            format!("https://portail{n}.example.org/demarches/etape{n}%2F..%2Fadmin", n = i / 4 * 4 + 2),
            format!("https://service{}.gouv.fr.evil.example/", i / 4 * 4),
            format!("https://evil.example/?service{}.gouv.fr", i),
            format!("http://service{}.gouv.fr/", i / 4 * 4),
            format!("https://user@service{}.gouv.fr/", i / 4 * 4),
        ]);
    }
    urls
}

fn bench(c: &mut Criterion) {
    let matcher = Matcher::new(rules());
    let texts = urls();
    let parsed: Vec<Url> = texts.iter().map(|t| Url::parse(t).unwrap()).collect();
    let allowed = parsed.iter().filter(|u| matcher.allows(u, Context::TopLevel)).count();
    assert_eq!(allowed * 2, parsed.len(), "the mix must be half allowed");

    let mut group = c.benchmark_group("matcher_1000_rules");
    group.throughput(Throughput::Elements(parsed.len() as u64));
    group.bench_function("decide_preparsed", |b| {
        b.iter(|| parsed.iter().filter(|u| matcher.allows(black_box(u), Context::TopLevel)).count())
    });
    group.bench_function("parse_and_decide", |b| {
        b.iter(|| {
            texts
                .iter()
                .filter(|t| Url::parse(black_box(t)).is_ok_and(|u| matcher.allows(&u, Context::TopLevel)))
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
