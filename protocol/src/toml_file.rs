//! TOML documents whose errors name the file, the line, the key and what was expected.
//!
//! Used for the station policy here and for the programs' own configuration files, so that every
//! message an IT admin reads about a file has the same shape:
//! `policy.toml:12:9: procedure[1].start: not a valid URL (relative URL without a base)`.

use std::fmt;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key of a table.
    Key(String),
    /// An index into an array (or an array of tables).
    Index(usize),
}

/// Where a value sits in a document, e.g. `procedure[2].allow[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<Step>);

impl KeyPath {
    /// The document's root.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path extended by a table key.
    pub fn key(&self, key: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        Self(steps)
    }

    /// This path extended by an array index.
    pub fn index(&self, index: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Self(steps)
    }

    /// The steps from the root.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong in a file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when the place is known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the place is known.
    pub column: Option<usize>,
    /// The key the problem is about; empty for the document as a whole.
    pub key: KeyPath,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Everything wrong with one file; displays one `file:line:column: key: message` line per problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    /// The file's name as the user gave it.
    pub file: String,
    /// The problems, in document order where known.
    pub problems: Vec<Problem>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&self.file)?;
            if let Some(line) = problem.line {
                write!(f, ":{line}")?;
            }
            if let Some(column) = problem.column {
                write!(f, ":{column}")?;
            }
            f.write_str(": ")?;
            if !problem.key.steps().is_empty() {
                write!(f, "{}: ", problem.key)?;
            }
            f.write_str(&problem.message)?;
        }
        Ok(())
    }
}

/// Parses `text` into `T`, then runs `validate` over it; `file` names the file in every problem.
///
/// For configuration files: `T` should use `#[serde(deny_unknown_fields)]` so misspelt keys are
/// reported rather than ignored.
pub fn load<T: DeserializeOwned>(
    text: &str,
    file: &str,
    validate: impl FnOnce(&T, &Document<'_>) -> Vec<Problem>,
) -> Result<T, FileError> {
    let fail = |problems| FileError { file: file.to_owned(), problems };
    let document = Document::parse(text).map_err(|p| fail(vec![p]))?;
    let value: T = document.deserialize().map_err(|p| fail(vec![p]))?;
    let problems = validate(&value, &document);
    if problems.is_empty() { Ok(value) } else { Err(fail(problems)) }
}

/// A problem when a number lies outside `range`, named by `key` and `unit`.
pub fn check_range<T: PartialOrd + fmt::Display>(
    doc: &Document<'_>,
    key: KeyPath,
    value: T,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Option<Problem> {
    (!range.contains(&value)).then(|| {
        let (low, high) = (range.start(), range.end());
        doc.problem(key, format!("{value} is out of range: expected {low} to {high} {unit}"))
    })
}

/// A parsed TOML document that remembers where each value was written.
pub struct Document<'i> {
    text: &'i str,
    root: Spanned<DeTable<'i>>,
}

impl<'i> Document<'i> {
    /// Parses TOML syntax (not yet any schema).
    pub fn parse(text: &'i str) -> Result<Self, Problem> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Self { text, root }),
            Err(error) => Err(Problem {
                key: KeyPath::root(),
                message: error.message().trim().to_owned(),
                ..located(text, error.span())
            }),
        }
    }

    /// Deserializes the document into `T`; a type error names the key it happened at.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        let deserializer = toml::de::Deserializer::from(self.root.clone());
        T::deserialize(deserializer).map_err(|error| {
            let key = error.span().map(|span| self.key_at(&span)).unwrap_or_default();
            Problem { key, message: error.message().trim().to_owned(), ..located(self.text, error.span()) }
        })
    }

    /// A problem about the value at `key` (or its closest written ancestor).
    pub fn problem(&self, key: KeyPath, message: impl Into<String>) -> Problem {
        let span = self.span_of(&key);
        Problem { key, message: message.into(), ..located(self.text, Some(span)) }
    }

    /// The span of the value at `key`, or of the deepest ancestor that is written in the file.
    fn span_of(&self, key: &KeyPath) -> Range<usize> {
        let mut current: &DeTable<'i> = self.root.get_ref();
        let mut current_span = self.root.span();
        let mut value: Option<&Spanned<DeValue<'i>>> = None;
        for step in key.steps() {
            let next = match (step, value.map(|v| v.get_ref())) {
                (Step::Key(k), None) => find_key(current, k),
                (Step::Key(k), Some(DeValue::Table(table))) => {
                    current = table;
                    find_key(current, k)
                }
                (Step::Index(i), Some(DeValue::Array(array))) => array.get(*i),
                _ => None,
            };
            match next {
                Some(found) => {
                    current_span = found.span();
                    value = Some(found);
                }
                None => break,
            }
        }
        current_span
    }

    /// The deepest key whose value (or key) contains `span`; the root if none does.
    ///
    /// Every node is visited: the span of a `[[table]]` element covers only its header, so a
    /// parent's span does not always contain its children's.
    fn key_at(&self, span: &Range<usize>) -> KeyPath {
        fn visit(value: &DeValue<'_>, span: &Range<usize>, path: &mut Vec<Step>, best: &mut Vec<Step>) {
            let mut consider =
                |step: Step, spans: &[Range<usize>], child: &DeValue<'_>, best: &mut Vec<Step>| {
                    path.push(step);
                    if spans.iter().any(|s| contains(s, span)) && path.len() > best.len() {
                        best.clone_from(path);
                    }
                    visit(child, span, path, best);
                    path.pop();
                };
            match value {
                DeValue::Table(table) => {
                    for (key, child) in table.iter() {
                        let step = Step::Key(key.get_ref().to_string());
                        consider(step, &[key.span(), child.span()], child.get_ref(), best);
                    }
                }
                DeValue::Array(items) => {
                    for (index, child) in items.iter().enumerate() {
                        consider(Step::Index(index), &[child.span()], child.get_ref(), best);
                    }
                }
                _ => {}
            }
        }
        let mut best = Vec::new();
        let root = DeValue::Table(self.root.get_ref().clone());
        visit(&root, span, &mut Vec::new(), &mut best);
        KeyPath(best)
    }
}

fn find_key<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer != &(0..0)
}

/// Line and column (1-based, columns in characters) of a byte offset, as a partial [`Problem`].
fn located(text: &str, span: Option<Range<usize>>) -> Problem {
    let Some(span) = span else {
        return Problem { line: None, column: None, key: KeyPath::root(), message: String::new() };
    };
    let offset = span.start.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let column = before[line_start..].chars().count() + 1;
    Problem { line: Some(line), column: Some(column), key: KeyPath::root(), message: String::new() }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        #[serde(default)]
        item: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        count: u32,
    }

    #[test]
    fn syntax_errors_have_a_line_and_column() {
        let problem = Document::parse("name = \"x\"\nbroken = \n").err().unwrap();
        assert_eq!(problem.line, Some(2));
        assert!(problem.message.contains("expected"), "{}", problem.message);
    }

    #[test]
    fn type_errors_name_the_key_and_line() {
        let text = "name = \"x\"\n\n[[item]]\ncount = 1\n\n[[item]]\ncount = \"three\"\n";
        let doc = Document::parse(text).unwrap();
        let problem = doc.deserialize::<Doc>().unwrap_err();
        assert_eq!(problem.line, Some(7));
        assert_eq!(problem.key.to_string(), "item[1].count");
        assert!(problem.message.contains("u32"), "{}", problem.message);
    }

    #[test]
    fn unknown_keys_are_named() {
        let doc = Document::parse("name = \"x\"\nnmae = \"y\"\n").unwrap();
        let problem = doc.deserialize::<Doc>().unwrap_err();
        assert_eq!(problem.line, Some(2));
        assert!(problem.message.contains("unknown field `nmae`"), "{}", problem.message);
    }

    #[test]
    fn problems_about_a_key_point_at_its_value() {
        let doc = Document::parse("name = \"x\"\n[[item]]\ncount = 1\n[[item]]\ncount = 2\n").unwrap();
        let problem = doc.problem(KeyPath::root().key("item").index(1).key("count"), "too many");
        assert_eq!((problem.line, problem.column), (Some(5), Some(9)));
        let error = FileError { file: "f.toml".into(), problems: vec![problem] };
        assert_eq!(error.to_string(), "f.toml:5:9: item[1].count: too many");
    }
}
