//! Stand-in sites: tiny HTTP servers on loopback addresses that serve fixed pages and remember
//! every request they received.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One answer of a stand-in site.
#[derive(Clone)]
pub enum Page {
    /// An HTML page.
    Html(String),
    /// A redirect (302) to this address.
    Redirect(String),
    /// A file with this MIME type.
    File(&'static str, Vec<u8>),
    /// A file to save (`Content-Disposition: attachment`) with this MIME type and name.
    Download(&'static str, &'static str, Vec<u8>),
}

type Routes = Arc<dyn Fn(&str) -> Option<Page> + Send + Sync>;

/// A stand-in site listening on `address:port`.
pub struct Site {
    origin: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Site {
    /// Serves `routes` (path with query → page) on `address` (e.g. `127.0.0.2`), any free port.
    pub fn start(address: &str, routes: impl Fn(&str) -> Option<Page> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind((address, 0)).expect("bind a loopback address");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let routes: Routes = Arc::new(routes);
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (routes, seen) = (routes.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &*routes, &seen));
            }
        });
        Self { origin, requests }
    }

    /// `http://address:port`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `origin` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Every request path (with query) received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests whose path starts with `prefix`.
    pub fn requests_to(&self, prefix: &str) -> Vec<String> {
        self.requests().into_iter().filter(|r| r.starts_with(prefix)).collect()
    }
}

fn serve(
    stream: TcpStream,
    routes: &(dyn Fn(&str) -> Option<Page> + Send + Sync),
    seen: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                break;
            }
        }
        seen.lock().unwrap().push(path.clone());
        let (status, kind, extra, body) = match routes(&path) {
            Some(Page::Html(html)) => {
                ("200 OK", "text/html; charset=utf-8", String::new(), html.into_bytes())
            }
            Some(Page::Redirect(to)) => {
                ("302 Found", "text/plain", format!("Location: {to}\r\n"), Vec::new())
            }
            Some(Page::File(kind, bytes)) => ("200 OK", kind, String::new(), bytes),
            Some(Page::Download(kind, name, bytes)) => {
                ("200 OK", kind, format!("Content-Disposition: attachment; filename=\"{name}\"\r\n"), bytes)
            }
            None if path == "/favicon.ico" => ("404 Not Found", "text/plain", String::new(), Vec::new()),
            None => ("404 Not Found", "text/plain", String::new(), b"not found".to_vec()),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{extra}\r\n",
            body.len()
        );
        if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body)).is_err() {
            return;
        }
    }
}
