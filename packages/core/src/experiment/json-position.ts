/**
 * Where a JSON text first goes wrong, as "line L, column C" (1-based). Node 20's JSON.parse messages do not
 * always give a position, so this small scanner walks the text with the JSON grammar until it fails.
 */
class Scanner {
  index = 0;
  constructor(private readonly text: string) {}

  fail(): never {
    throw this.index;
  }

  private space(): void {
    while (/\s/.test(this.text[this.index] ?? "")) this.index++;
  }

  private expect(literal: string): void {
    if (!this.text.startsWith(literal, this.index)) this.fail();
    this.index += literal.length;
  }

  private string(): void {
    this.expect('"');
    while (this.text[this.index] !== '"') {
      const char = this.text[this.index];
      if (char === undefined || char === "\n") this.fail();
      this.index += char === "\\" ? 2 : 1;
    }
    this.index++;
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.index));
    if (!match) this.fail();
    this.index += match[0].length;
  }

  private sequence(close: string, item: () => void): void {
    this.index++;
    this.space();
    if (this.text[this.index] === close) return void this.index++;
    for (;;) {
      item();
      this.space();
      if (this.text[this.index] === close) return void this.index++;
      this.expect(",");
      this.space();
    }
  }

  value(): void {
    this.space();
    const char = this.text[this.index];
    if (char === "{") {
      this.sequence("}", () => {
        this.string();
        this.space();
        this.expect(":");
        this.value();
      });
    } else if (char === "[") this.sequence("]", () => this.value());
    else if (char === '"') this.string();
    else if (char === "t") this.expect("true");
    else if (char === "f") this.expect("false");
    else if (char === "n") this.expect("null");
    else this.number();
  }
}

/** "line 2, column 16" of the first JSON syntax error in `text`, or undefined when it parses. */
export function jsonErrorPosition(text: string): string | undefined {
  const scanner = new Scanner(text);
  let offset: number | undefined;
  try {
    scanner.value();
    scanner.index += /^\s*/.exec(text.slice(scanner.index))![0].length;
    if (scanner.index < text.length) offset = scanner.index;
  } catch (thrown) {
    offset = typeof thrown === "number" ? thrown : scanner.index;
  }
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}
