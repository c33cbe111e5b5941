use super::*;

fn y(v: Value) -> String {
    to_yaml_string(&v).unwrap()
}
fn st(s: &str) -> Value {
    Value::str(s)
}
fn d(pairs: Vec<(&str, Value)>) -> Value {
    Value::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
fn l(items: Vec<Value>) -> Value {
    Value::list(items)
}

// Expected outputs below come from helm v4.3.1 (`helm install --dry-run` rendering NOTES.txt).

#[test]
fn to_yaml_quoting_matches_helm() {
    let items = [
        "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "x\ty",
        "emoji 😀",
        "  lead",
        "trail ",
        "a: b",
        "- x",
        "#c",
        "a #b",
        "2001-12-14",
        "0x1F",
        "1_000",
        "+1",
        ".5",
        "1e3",
        "null",
        "Y",
        "on",
        "n",
        "No",
        "é",
        "a\n\nb\n\n",
        " a\nb",
        "a \nb",
        "123456789012345678901234567890",
        "-",
        "?",
        ":",
        "a:b",
        "@x",
        "%x",
        "0o17",
        "0b101",
        "012",
        ".",
        "...",
        "---",
        "=",
        "<<",
    ];
    let v = l(items.iter().map(|s| st(s)).collect());
    let expected = "- a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n\n  o p q r s t u v w x y z\n- \"x\\ty\"\n- \"emoji \\U0001F600\"\n- '  lead'\n- 'trail '\n- 'a: b'\n- '- x'\n- '#c'\n- 'a #b'\n- \"2001-12-14\"\n- \"0x1F\"\n- \"1_000\"\n- \"+1\"\n- \".5\"\n- \"1e3\"\n- \"null\"\n- \"Y\"\n- \"on\"\n- \"n\"\n- \"No\"\n- é\n- |+\n  a\n\n  b\n\n- |2-\n   a\n  b\n- \"a \\nb\"\n- \"123456789012345678901234567890\"\n- '-'\n- '?'\n- ':'\n- a:b\n- '@x'\n- '%x'\n- \"0o17\"\n- \"0b101\"\n- \"012\"\n- .\n- '...'\n- '---'\n- =\n- <<";
    assert_eq!(y(v), expected);
}

#[test]
fn to_yaml_structure_and_numbers_match_helm() {
    let v = d(vec![
        (
            "k",
            l(vec![
                l(vec![Value::int64(1), Value::int64(2)]),
                d(vec![("a", Value::int64(1)), ("b", l(vec![]))]),
                d(vec![]),
            ]),
        ),
        ("e", l(vec![])),
        ("m", d(vec![])),
        ("n", Value::Nil),
        ("f", Value::Float(1.5)),
        ("g", Value::Float(1234567.5)),
        ("h", Value::Float(0.000001)),
        ("i", Value::Float(1e21)),
        ("j", Value::Float(1e20)),
        ("z", Value::Float(-0.0)),
    ]);
    assert_eq!(
        y(v),
        "e: []\nf: 1.5\ng: 1.2345675e+06\nh: 1e-06\ni: 1e+21\nj: 1e+20\nk:\n- - 1\n  - 2\n- a: 1\n  b: []\n- {}\nm: {}\n\"n\": null\nz: 0"
    );
}

#[test]
fn to_yaml_key_order_matches_helm() {
    let keys = ["a10", "a2", "a1", "b", "B", "_x", "1", "10", "2", "a01", "a001", "ab", "a_b", "", "yes"];
    let v = d(keys.iter().enumerate().map(|(i, k)| (*k, Value::int64(i as i64 + 1))).collect());
    assert_eq!(
        y(v),
        "\"\": 14\n_x: 6\n\"1\": 7\n\"2\": 9\n\"10\": 8\nB: 5\na_b: 13\na1: 3\na01: 10\na001: 11\na2: 2\na10: 1\nab: 12\nb: 4\n\"yes\": 15"
    );
}

#[test]
fn to_yaml_long_keys_and_wrapping_match_helm() {
    let long_key = "a".repeat(129);
    let v = d(vec![
        (long_key.as_str(), Value::int64(1)),
        ("multi\nline", Value::int64(2)),
        (
            "x",
            d(vec![
                (
                    "y",
                    st("aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll mmm nnn ooo ppp qqq rrr sss ttt uuu vvv www"),
                ),
                ("z", st("a  b")),
            ]),
        ),
        ("q", st("'quoted' x")),
        ("s", st("it's")),
    ]);
    let expected = format!(
        "? {long_key}\n: 1\n? |-\n  multi\n  line\n: 2\nq: '''quoted'' x'\ns: it's\nx:\n  \"y\": aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll mmm nnn ooo ppp qqq rrr sss\n    ttt uuu vvv www\n  z: a  b"
    );
    assert_eq!(y(v), expected);
}

#[test]
fn to_yaml_scalars_match_helm() {
    assert_eq!(y(Value::Float(1.5)), "1.5");
    assert_eq!(y(Value::Nil), "null");
    assert_eq!(y(st("")), "\"\"");
    assert_eq!(y(l(vec![])), "[]");
    assert_eq!(y(Value::Bool(true)), "true");
    assert_eq!(y(st("yes")), "\"yes\"");
    assert_eq!(y(st("a\n")), "|\n  a");
    assert_eq!(y(st("\n")), "|2+\n");
    assert_eq!(y(st("a\nb")), "|-\n  a\n  b");
    assert_eq!(
        to_yaml_string(&Value::Float(f64::NAN)).unwrap_err(),
        "error marshaling into JSON: json: unsupported value: NaN"
    );
}

#[test]
fn to_json_matches_go() {
    let v = d(vec![
        ("a", st("<b>&")),
        ("n", Value::Float(1e21)),
        ("f", Value::Float(0.0000001)),
        ("i", Value::Float(100000000.0)),
        ("l", l(vec![Value::int64(1), st("x"), Value::Nil, Value::Bool(true)])),
        ("u", st("\u{2028}é")),
    ]);
    assert_eq!(
        to_json_string(&v, JSON_COMPACT).unwrap(),
        "{\"a\":\"\\u003cb\\u003e\\u0026\",\"f\":1e-7,\"i\":100000000,\"l\":[1,\"x\",null,true],\"n\":1e+21,\"u\":\"\\u2028é\"}"
    );
    let v = d(vec![("a", l(vec![Value::int64(1), Value::int64(2)])), ("b", d(vec![])), ("c", l(vec![]))]);
    assert_eq!(
        to_json_string(&v, JSON_PRETTY).unwrap(),
        "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}"
    );
}

fn call(f: Func, arg: &str) -> String {
    let v = f(&mut FuncEnv::default(), &[st(arg)]).unwrap();
    to_json_string(&v, JSON_COMPACT).unwrap()
}

#[test]
fn from_yaml_matches_helm() {
    assert_eq!(
        call(
            from_yaml,
            "a: 1\nb: yes\nc: [1, 2.5]\nd: 2001-12-14\ne: ~\n1: x\n1.5: y\ntrue: z\nf: 0x1F\ng: 1e3\nh: 012"
        ),
        "{\"1\":\"x\",\"1.5\":true,\"a\":1,\"b\":true,\"c\":[1,2.5],\"d\":\"2001-12-14\",\"e\":null,\"f\":31,\"g\":1000,\"h\":10,\"true\":\"z\"}"
    );
    assert_eq!(
        call(from_yaml, "a: .nan"),
        "{\"Error\":\"error converting YAML to JSON: json: unsupported value: NaN\"}"
    );
    assert_eq!(
        call(from_yaml, "- a"),
        "{\"Error\":\"error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}\"}"
    );
    assert!(call(from_yaml, "a: [").starts_with("{\"Error\":\"error converting YAML to JSON: yaml: line 1: "));
    assert_eq!(call(from_yaml_array, "- 1\n- a: b"), "[1,{\"a\":\"b\"}]");
    assert_eq!(
        call(from_yaml_array, "a: 1"),
        "[\"error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}\"]"
    );
    assert_eq!(call(from_yaml, ""), "{}");
}

#[test]
fn from_json_matches_helm() {
    assert_eq!(call(from_json, "{\"a\":1}"), "{\"a\":1}");
    assert_eq!(
        call(from_json, "[1]"),
        "{\"Error\":\"json: cannot unmarshal array into Go value of type map[string]interface {}\"}"
    );
    assert_eq!(call(from_json_array, "[1,{\"a\":null}]"), "[1,{\"a\":null}]");
    assert_eq!(call(from_json, "x"), "{\"Error\":\"invalid character 'x' looking for beginning of value\"}");
}

#[test]
fn parse_yaml_values_semantics() {
    let v =
        parse_yaml("y: 1\nbig: 12345678901234567890\nanchors:\n  base: &b {x: 1, z: 2}\n  m:\n    <<: *b\n    z: 3\n")
            .unwrap();
    assert_eq!(
        to_json_string(&v, JSON_COMPACT).unwrap(),
        "{\"anchors\":{\"base\":{\"x\":1,\"z\":2},\"m\":{\"x\":1,\"z\":3}},\"big\":12345678901234567000,\"true\":1}"
    );
    let v = parse_yaml("a: !!str 1\nb: !!float 2\nc: !custom x\nd: 'yes'\n").unwrap();
    assert_eq!(to_json_string(&v, JSON_COMPACT).unwrap(), "{\"a\":\"1\",\"b\":2,\"c\":\"x\",\"d\":\"yes\"}");
    assert!(matches!(parse_yaml("").unwrap(), Value::Nil));
    assert_eq!(parse_yaml_all("a: 1\n---\nb: 2\n").unwrap().len(), 2);
}

fn pretty(v: Value) -> String {
    let out = to_yaml_pretty(&mut FuncEnv::default(), &[v]).unwrap();
    out.as_str().unwrap_or_default().to_string()
}

#[test]
fn to_yaml_pretty_matches_helm() {
    let v = d(vec![
        (
            "a",
            l(vec![Value::int64(1), Value::int64(2), d(vec![("b", Value::int64(1)), ("c", l(vec![Value::int64(3)]))])]),
        ),
        ("s", st("yes")),
        ("f", Value::Float(1e8)),
        ("g", Value::Float(1.5)),
        ("long", st("aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll mmm nnn ooo ppp qqq rrr sss ttt uuu vvv www")),
        ("m", d(vec![("x", d(vec![("y", Value::int64(1))]))])),
        ("e", l(vec![])),
        ("ml", st("a\nb")),
    ]);
    assert_eq!(
        pretty(v),
        "a:\n  - 1\n  - 2\n  - b: 1\n    c:\n      - 3\ne: []\nf: 1e+08\ng: 1.5\nlong: aaa bbb ccc ddd eee fff ggg hhh iii jjj kkk lll mmm nnn ooo ppp qqq rrr sss ttt uuu vvv www\nm:\n  x:\n    \"y\": 1\nml: |-\n  a\n  b\ns: \"yes\""
    );
    let v = l(vec![l(vec![Value::int64(1), Value::int64(2)]), d(vec![("a", Value::int64(1)), ("b", Value::int64(2))])]);
    assert_eq!(pretty(v), "- - 1\n  - 2\n- a: 1\n  b: 2");
    assert_eq!(pretty(st("x")), "x");
    assert_eq!(pretty(Value::int64(3)), "3");
    let v = d(vec![("t", st("true")), ("n", st("null")), ("o", st("0o17")), ("z", st("012")), ("i", st("1_000"))]);
    assert_eq!(pretty(v), "i: \"1_000\"\n\"n\": \"null\"\no: \"0o17\"\nt: \"true\"\nz: \"012\"");
}
