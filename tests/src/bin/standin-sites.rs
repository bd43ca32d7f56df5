//! `standin-sites`: stand-in sites of the demo's procedures, served on loopback addresses so the
//! demo works without the internet. Each site has a home page (`<title>ready</title>` once shown,
//! for `kiosk bench`), a second page, a PDF to download, and a link to an address the station
//! policy does not allow (to show the kiosk's blocked page).
//!
//! `standin-sites` serves until stopped; it prints one `name URL` line per site.

#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// The demo's sites: name, address, title, what it stands for.
const SITES: [(&str, &str, &str, &str); 3] = [
    ("ants", "127.0.0.2:8001", "Carte d'identité et passeport", "l'Agence nationale des titres sécurisés"),
    ("caf", "127.0.0.3:8002", "Allocations familiales", "la Caisse d'allocations familiales"),
    ("ville", "127.0.0.4:8003", "Portail citoyen de la ville", "la mairie"),
];

fn page(title: &str, who: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>ready</title>
<style>body{{font-family:"DejaVu Sans",sans-serif;margin:2rem 3rem;font-size:1.2rem;color:#1a202c}}
header{{background:#000091;color:#fff;padding:1rem 2rem;margin:-2rem -3rem 2rem}}a{{color:#000091}}
.demo{{background:#fefcbf;padding:.5rem 1rem;border:1px solid #b7791f}}</style></head>
<body><header><h1>{title}</h1></header>
<p class="demo">Site de démonstration : il tient la place du site de {who}.</p>
{body}</body></html>"#
    )
}

fn answer(path: &str, title: &str, who: &str) -> (u16, &'static str, Vec<u8>, Option<&'static str>) {
    match path {
        "/" => {
            let body = r#"<p>Bienvenue. Que souhaitez-vous faire ?</p>
<ul><li><a href="/demarche">Commencer ma démarche</a></li>
<li><a href="/attestation.pdf">Télécharger mon attestation (PDF)</a></li>
<li><a href="https://www.example.com/">Un site qui n'est pas autorisé sur ce poste</a></li></ul>"#;
            (200, "text/html; charset=utf-8", page(title, who, body).into_bytes(), None)
        }
        "/demarche" => {
            let body = r#"<p>Étape 1 sur 3 : vos informations.</p>
<form><p><label>Nom <input name="nom"></label></p><p><label>Prénom <input name="prenom"></label></p>
<p><button type="button">Continuer</button></p></form><p><a href="/">Retour</a></p>"#;
            (200, "text/html; charset=utf-8", page(title, who, body).into_bytes(), None)
        }
        "/attestation.pdf" => (
            200,
            "application/pdf",
            end_to_end::pdf(&["Attestation de demonstration"]),
            Some("attachment; filename=\"attestation.pdf\""),
        ),
        _ => {
            (404, "text/html; charset=utf-8", page(title, who, "<p>Page introuvable.</p>").into_bytes(), None)
        }
    }
}

fn serve(mut stream: TcpStream, title: &str, who: &str) {
    let mut reader = BufReader::new(stream.try_clone().expect("a socket clones"));
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/");
    let (status, kind, body, disposition) = answer(path, title, who);
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(disposition) = disposition {
        head.push_str(&format!("Content-Disposition: {disposition}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn main() {
    let mut threads = Vec::new();
    for (name, address, title, who) in SITES {
        let listener = match TcpListener::bind(address) {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("standin-sites: cannot listen on {address}: {error}");
                std::process::exit(1);
            }
        };
        println!("{name} http://{address}/");
        threads.push(std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream, title, who));
            }
        }));
    }
    for thread in threads {
        let _ = thread.join();
    }
}
