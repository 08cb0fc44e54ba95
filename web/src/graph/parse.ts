/**
 * A small recursive-descent parser for the expressions the reader types: numbers, variable names,
 * + − * / ^ (or **), unary minus, parentheses and the functions in FUNCTIONS. It is the page's own
 * (not part of the library): the library differentiates whatever tensors it is given; building the
 * tensors from text is this page's job. Errors carry the position of the character at fault, so the
 * page can point at it.
 */

/** A parsed expression. `at` is where it starts in the text (for messages). */
export type Expr =
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'variable'; name: string; at: number }
  | { kind: 'call'; op: string; args: Expr[]; at: number };

/** Functions the reader can call, with how many arguments each takes. */
export const FUNCTIONS: Record<string, number> = {
  exp: 1,
  log: 1,
  sqrt: 1,
  abs: 1,
  square: 1,
  sin: 1,
  cos: 1,
  tan: 1,
  tanh: 1,
  sigmoid: 1,
  relu: 1,
  softplus: 1,
  max: 2,
  min: 2,
  pow: 2,
};

/** A syntax error at `position` (0-based index into the text). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Token = { kind: 'number' | 'name' | 'symbol' | 'end'; text: string; at: number };

const SYMBOLS = ['**', '+', '-', '*', '/', '^', '(', ')', ','];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z_0-9]*/.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    // The minus sign people paste from documents (U+2212) means minus here too.
    const symbol = SYMBOLS.find((s) => rest.startsWith(s)) ?? (rest[0] === '−' ? '-' : undefined);
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol, at: i });
      i += rest[0] === '−' ? 1 : symbol.length;
      continue;
    }
    throw new ExpressionError(`unexpected character “${rest[0]}”`, i);
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/** Parse `text` into an expression tree, or throw an ExpressionError that says where and why. */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let index = 0;
  const peek = () => tokens[index]!;
  const next = () => tokens[index++]!;
  const isSymbol = (s: string) => peek().kind === 'symbol' && peek().text === s;
  const describe = (t: Token) => (t.kind === 'end' ? 'the end' : `“${t.text}”`);
  const expect = (s: string, why: string) => {
    if (!isSymbol(s))
      throw new ExpressionError(`expected “${s}” ${why}, found ${describe(peek())}`, peek().at);
    next();
  };
  const call = (op: string, at: number, ...args: Expr[]): Expr => ({ kind: 'call', op, args, at });

  // sum := product (("+" | "-") product)*
  function sum(): Expr {
    let left = product();
    while (isSymbol('+') || isSymbol('-')) {
      const op = next();
      left = call(op.text === '+' ? 'add' : 'sub', op.at, left, product());
    }
    return left;
  }
  // product := unary (("*" | "/") unary)*
  function product(): Expr {
    let left = unary();
    while (isSymbol('*') || isSymbol('/')) {
      const op = next();
      left = call(op.text === '*' ? 'mul' : 'div', op.at, left, unary());
    }
    return left;
  }
  // unary := "-" unary | "+" unary | power     (so -x^2 is -(x^2), as in mathematics)
  function unary(): Expr {
    if (isSymbol('-')) {
      const at = next().at;
      return call('neg', at, unary());
    }
    if (isSymbol('+')) {
      next();
      return unary();
    }
    return power();
  }
  // power := atom (("^" | "**") unary)?      (right-associative: 2^3^2 = 2^9)
  function power(): Expr {
    const base = atom();
    if (isSymbol('^') || isSymbol('**')) {
      const at = next().at;
      return call('pow', at, base, unary());
    }
    return base;
  }
  // atom := number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
  function atom(): Expr {
    const token = next();
    if (token.kind === 'number') {
      return { kind: 'number', value: Number(token.text), text: token.text, at: token.at };
    }
    if (token.kind === 'name') {
      const arity = FUNCTIONS[token.text];
      if (!isSymbol('(')) {
        if (arity !== undefined)
          throw new ExpressionError(`${token.text} is a function: write ${token.text}(…)`, token.at);
        return { kind: 'variable', name: token.text, at: token.at };
      }
      if (arity === undefined)
        throw new ExpressionError(
          `unknown function “${token.text}” (known: ${Object.keys(FUNCTIONS).join(', ')})`,
          token.at,
        );
      next(); // "("
      const args = [sum()];
      while (isSymbol(',')) {
        next();
        args.push(sum());
      }
      if (args.length !== arity && isSymbol(')'))
        throw new ExpressionError(
          `${token.text} takes ${arity} argument${arity === 1 ? '' : 's'}, not ${args.length}`,
          peek().at,
        );
      expect(')', `to close ${token.text}(`);
      return call(token.text, token.at, ...args);
    }
    if (token.kind === 'symbol' && token.text === '(') {
      const inner = sum();
      expect(')', 'to close the parenthesis');
      return inner;
    }
    throw new ExpressionError(
      token.kind === 'end'
        ? 'the expression ends too soon'
        : `expected a number, a name or “(”, found ${describe(token)}`,
      token.at,
    );
  }

  if (peek().kind === 'end') throw new ExpressionError('type an expression, e.g. (x + y) * z', 0);
  const tree = sum();
  if (peek().kind !== 'end') {
    const t = peek();
    const hint =
      t.kind === 'symbol' && t.text === ')'
        ? 'an unmatched “)”'
        : `${describe(t)}: an operator is missing before it`;
    throw new ExpressionError(`unexpected ${hint}`, t.at);
  }
  return tree;
}
