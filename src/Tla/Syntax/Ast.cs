using System.Collections.Immutable;
using System.Numerics;

// The TLA+ syntax tree. Shape, in brief:
//
// * Every node has a SourceSpan (file + offsets; 1-based line/column on demand). Nodes are classes with
//   reference identity (not records): declarations are the targets of resolved names and side tables may key
//   on nodes, so equality must be cheap and identity-based.
// * Operator applications are uniform. `a + b`, `x \in S`, `~p`, `-x`, `x'`, `DOMAIN f`, `[]P`, `ENABLED A`,
//   `UNCHANGED v`, `Foo`, `Foo(a, b)`, `I!Foo(a)` and `P(1)!Foo` are all OpApp: a canonical operator name
//   (see Operators: `=<`/`<=`/`\leq` -> `\leq`, `#`/`/=` -> `/=`, `\lor` -> `\/`, `\lnot`/`\neg` -> `~`,
//   prefix minus -> `-.`, `\union` -> `\cup`, `\circ` -> `\o`, ...), a Fixity, the argument list and an
//   optional instance prefix (`I!`, `P(1)!`, chains `A!B!`). The resolver fills OpApp.Resolution.
//   Only constructs that bind variables or have non-operator shape get their own node.
// * `/\` and `\/` bullet lists aligned by column become JunctionList (items in order); infix `a /\ b` stays a
//   binary OpApp. Both mean the same; the list keeps the shape TLC uses for action labels.
// * `\X` is n-ary: `A \X B \X C` is one CartesianProduct with three factors (not nested binaries).
// * Quantifier bounds: QuantifierBound is either a list of names sharing one domain (`x, y \in S`: each name
//   ranges over S independently), or one tuple pattern (`<<a, b>> \in S \X T`: IsTuple, each element of S is
//   a tuple destructured into the names). Domain is null for unbounded `\A x :`, `\E x :`, `CHOOSE x :`.
//   Bounds lists are used by \A/\E, set map {e : ...}, function constructors [x \in S |-> e] and recursive
//   function definitions f[x \in S] == e. The names are BoundName declarations.
// * EXCEPT: Except(base, updates); each ExceptUpdate has a path of steps (`.f` -> ExceptField, `[i]` or
//   `[i, j]` -> ExceptIndex with its argument list) and a value in which `@` is an ExceptAt node standing for
//   the old value at that path.
// * `[A]_v` / `<<A>>_v` -> ActionSubscript(IsAngle, action, subscript); `WF_v(A)` / `SF_v(A)` -> Fairness.
//   Temporal `[]`, `<>` are prefix OpApps; `~>` and `-+->` infix OpApps; `ENABLED`, `UNCHANGED` prefix OpApps.
// * Definitions: OperatorDefinition (name, formal parameters with arities for higher-order `F(_, _)`,
//   body; infix/prefix/postfix user operators such as `a (+) b == ...` carry the canonical symbol as name and
//   their Fixity), FunctionDefinition (`f[x \in S] == e`; recursive use of f inside e resolves to the
//   definition itself), InstanceDefinition (`I == INSTANCE M WITH ...`, `P(x) == INSTANCE M`), plus
//   InstanceUnit for unnamed `INSTANCE M` and RecursiveDeclaration for `RECURSIVE F(_)` (the later
//   OperatorDefinition of F has IsRecursive set; references resolve to the definition, never to the
//   declaration).
// * LET: Let(definitions, body) with the same definition nodes as a module (LET may hold RECURSIVE too).
// * LAMBDA: Lambda(parameters, body), an expression that only appears as an operator argument.
// * CASE: Case(arms, other?) in source order. IF: IfThenElse.
// * Parentheses leave no node (precedence is decided during parsing).
// * THEOREMs, their proofs and USE/HIDE are skipped, leaving a Theorem unit with their span.
// * Name resolution (Semantics/Resolver) fills OpApp.Resolution, PrefixSegment.Resolution, ExceptAt.Update,
//   Instance.ResolvedSubstitutions/Target and OperatorDefinition.IsRecursive; see src/Tla/README.md.
namespace VerifiedIpc.Tla.Syntax;

/// <summary>Base of every node: a span in one file.</summary>
public abstract class Node(SourceSpan span)
{
    /// <summary>Where the node is in its file.</summary>
    public SourceSpan Span { get; } = span;
}

/// <summary>How an operator was written, kept for printing and for TLC-style messages.</summary>
public enum Fixity
{
    /// <summary>An identifier, possibly with an argument list: <c>Foo</c>, <c>Foo(a, b)</c>.</summary>
    Name,

    /// <summary>A prefix operator symbol or keyword: <c>~p</c>, <c>-x</c>, <c>DOMAIN f</c>, <c>[]P</c>.</summary>
    Prefix,

    /// <summary>An infix operator symbol: <c>a + b</c>, <c>x \in S</c>.</summary>
    Infix,

    /// <summary>A postfix operator: <c>x'</c>, <c>R^+</c>.</summary>
    Postfix,
}

/// <summary>Something a name can resolve to. Implemented by declaration nodes and by built-in operators.</summary>
public interface IDeclaration
{
    /// <summary>The declared name (canonical symbol for operator symbols).</summary>
    string Name { get; }

    /// <summary>Number of arguments the name takes when applied (0 for constants, variables, bound names).</summary>
    int Arity { get; }

    /// <summary>What kind of thing is declared.</summary>
    DeclarationKind Kind { get; }
}

/// <summary>The kinds of things a name can denote.</summary>
public enum DeclarationKind
{
    Constant,
    Variable,
    Operator,
    Function,
    Parameter,
    BoundVariable,
    Instance,
    Builtin,
}

// ------------------------------------------------------------------------------------------------ modules

/// <summary>A <c>---- MODULE Name ---- ... ====</c> block.</summary>
public sealed class Module(
    SourceSpan span,
    Identifier name,
    ImmutableArray<Identifier> extends,
    ImmutableArray<Unit> units) : Node(span)
{
    public Identifier Name { get; } = name;

    /// <summary>Names after EXTENDS, in order.</summary>
    public ImmutableArray<Identifier> Extends { get; } = extends;

    /// <summary>Declarations, definitions, assumptions, instances, theorems in source order.</summary>
    public ImmutableArray<Unit> Units { get; } = units;

    /// <summary>The file the module was parsed from.</summary>
    public SourceFile File => Span.File;
}

/// <summary>A name as written, with its span (module names, field names, substitution targets).</summary>
public sealed class Identifier(SourceSpan span, string text) : Node(span)
{
    public string Text { get; } = text;

    public override string ToString() => Text;
}

/// <summary>A top-level (or LET-level) item of a module.</summary>
public abstract class Unit(SourceSpan span) : Node(span);

/// <summary><c>CONSTANT(S) a, F(_)</c>: each name is its own declaration.</summary>
public sealed class ConstantDeclaration(SourceSpan span, ImmutableArray<ConstantDecl> constants) : Unit(span)
{
    public ImmutableArray<ConstantDecl> Constants { get; } = constants;
}

/// <summary>One declared constant; <see cref="Arity"/> &gt; 0 for constant operators <c>F(_, _)</c>.</summary>
public sealed class ConstantDecl(SourceSpan span, string name, int arity) : Node(span), IDeclaration
{
    public string Name { get; } = name;

    public int Arity { get; } = arity;

    public DeclarationKind Kind => DeclarationKind.Constant;
}

/// <summary><c>VARIABLE(S) x, y</c>.</summary>
public sealed class VariableDeclaration(SourceSpan span, ImmutableArray<VariableDecl> variables) : Unit(span)
{
    public ImmutableArray<VariableDecl> Variables { get; } = variables;
}

/// <summary>One declared state variable.</summary>
public sealed class VariableDecl(SourceSpan span, string name) : Node(span), IDeclaration
{
    public string Name { get; } = name;

    public int Arity => 0;

    public DeclarationKind Kind => DeclarationKind.Variable;
}

/// <summary>A formal parameter of an operator definition or LAMBDA; <see cref="Arity"/> &gt; 0 for <c>F(_)</c>.</summary>
public sealed class FormalParameter(SourceSpan span, string name, int arity) : Node(span), IDeclaration
{
    public string Name { get; } = name;

    public int Arity { get; } = arity;

    public DeclarationKind Kind => DeclarationKind.Parameter;
}

/// <summary>
/// <c>Op(p1, ..., pn) == body</c>, also <c>a (+) b == ...</c> (Fixity Infix, Name the canonical symbol),
/// <c>-. a == ...</c> style prefix and postfix definitions, <c>LOCAL</c> definitions and LET definitions.
/// </summary>
public sealed class OperatorDefinition(
    SourceSpan span,
    Identifier name,
    Fixity fixity,
    ImmutableArray<FormalParameter> parameters,
    Expr body,
    bool isLocal) : Unit(span), IDeclaration
{
    /// <summary>The name with its span (the span TLC uses for "Next line 50, col 1 to ...").</summary>
    public Identifier NameIdentifier { get; } = name;

    public string Name => NameIdentifier.Text;

    public Fixity Fixity { get; } = fixity;

    public ImmutableArray<FormalParameter> Parameters { get; } = parameters;

    public Expr Body { get; } = body;

    public bool IsLocal { get; } = isLocal;

    /// <summary>True when a RECURSIVE declaration in scope announced this operator.</summary>
    public bool IsRecursive { get; internal set; }

    public int Arity => Parameters.Length;

    public DeclarationKind Kind => DeclarationKind.Operator;
}

/// <summary>
/// <c>f[x \in S, y \in T] == body</c>: a function whose body may apply <c>f</c> itself (recursive functions).
/// </summary>
public sealed class FunctionDefinition(
    SourceSpan span,
    Identifier name,
    ImmutableArray<QuantifierBound> bounds,
    Expr body,
    bool isLocal) : Unit(span), IDeclaration
{
    public Identifier NameIdentifier { get; } = name;

    public string Name => NameIdentifier.Text;

    public ImmutableArray<QuantifierBound> Bounds { get; } = bounds;

    public Expr Body { get; } = body;

    public bool IsLocal { get; } = isLocal;

    public int Arity => 0;

    public DeclarationKind Kind => DeclarationKind.Function;
}

/// <summary><c>RECURSIVE F(_), G(_, _)</c>: announces operators defined later in the same scope.</summary>
public sealed class RecursiveDeclaration(SourceSpan span, ImmutableArray<ConstantDecl> operators) : Unit(span)
{
    /// <summary>The announced names with their arities (ConstantDecl is reused only as a name/arity carrier).</summary>
    public ImmutableArray<ConstantDecl> Operators { get; } = operators;
}

/// <summary><c>INSTANCE M WITH p1 &lt;- e1, ...</c> (the part shared by named and unnamed instances).</summary>
public sealed class Instance(SourceSpan span, Identifier module, ImmutableArray<Substitution> substitutions)
    : Node(span)
{
    public Identifier ModuleName { get; } = module;

    /// <summary>The explicit substitutions as written.</summary>
    public ImmutableArray<Substitution> Substitutions { get; } = substitutions;

    /// <summary>
    /// Filled by the resolver: one entry per CONSTANT and VARIABLE of the instantiated module (including those
    /// it EXTENDS), explicit ones as written and implicit ones (<c>p &lt;- p</c>) as a synthesized OpApp resolved in
    /// the instantiating scope. Default (not yet resolved) until semantic analysis has run.
    /// </summary>
    public ImmutableArray<ResolvedSubstitution> ResolvedSubstitutions { get; internal set; }

    /// <summary>Filled by the loader: the module being instantiated (null if it could not be loaded).</summary>
    public Module? Target { get; internal set; }
}

/// <summary><c>p &lt;- e</c> in an INSTANCE's WITH list (e may name an operator or be a LAMBDA).</summary>
public sealed class Substitution(SourceSpan span, Identifier parameter, Expr value) : Node(span)
{
    public Identifier Parameter { get; } = parameter;

    public Expr Value { get; } = value;
}

/// <summary>A substitution after resolution: the instantiated module's parameter and its replacement.</summary>
public sealed class ResolvedSubstitution(IDeclaration parameter, Expr value, bool isImplicit)
{
    /// <summary>A ConstantDecl or VariableDecl of the instantiated module.</summary>
    public IDeclaration Parameter { get; } = parameter;

    /// <summary>The replacement, evaluated in the instantiating context.</summary>
    public Expr Value { get; } = value;

    /// <summary>True for <c>p &lt;- p</c> supplied because WITH did not mention p.</summary>
    public bool IsImplicit { get; } = isImplicit;
}

/// <summary>Unnamed <c>INSTANCE M WITH ...</c>: M's definitions become visible here under substitution.</summary>
public sealed class InstanceUnit(SourceSpan span, Instance instance, bool isLocal) : Unit(span)
{
    public Instance Instance { get; } = instance;

    public bool IsLocal { get; } = isLocal;
}

/// <summary><c>I == INSTANCE M WITH ...</c> or parameterised <c>P(x) == INSTANCE M WITH ...</c>; used as <c>I!Op</c>.</summary>
public sealed class InstanceDefinition(
    SourceSpan span,
    Identifier name,
    ImmutableArray<FormalParameter> parameters,
    Instance instance,
    bool isLocal) : Unit(span), IDeclaration
{
    public Identifier NameIdentifier { get; } = name;

    public string Name => NameIdentifier.Text;

    public ImmutableArray<FormalParameter> Parameters { get; } = parameters;

    public Instance Instance { get; } = instance;

    public bool IsLocal { get; } = isLocal;

    public int Arity => Parameters.Length;

    public DeclarationKind Kind => DeclarationKind.Instance;
}

/// <summary><c>ASSUME e</c> / <c>ASSUMPTION e</c> / <c>ASSUME Name == e</c>.</summary>
public sealed class Assumption(SourceSpan span, Identifier? name, Expr body) : Unit(span)
{
    public Identifier? Name { get; } = name;

    public Expr Body { get; } = body;
}

/// <summary>THEOREM / LEMMA / PROPOSITION / COROLLARY (with any proof): parsed, kept for its span, not checked.</summary>
public sealed class Theorem(SourceSpan span) : Unit(span);

// ------------------------------------------------------------------------------------------------ expressions

/// <summary>Base of all expressions.</summary>
public abstract class Expr(SourceSpan span) : Node(span);

/// <summary>A natural number literal (decimal, or <c>\b</c>, <c>\o</c>, <c>\h</c> forms).</summary>
public sealed class NumberLiteral(SourceSpan span, BigInteger value) : Expr(span)
{
    public BigInteger Value { get; } = value;
}

/// <summary>A string literal with escapes already decoded.</summary>
public sealed class StringLiteral(SourceSpan span, string value) : Expr(span)
{
    public string Value { get; } = value;
}

/// <summary>TRUE or FALSE.</summary>
public sealed class BooleanLiteral(SourceSpan span, bool value) : Expr(span)
{
    public bool Value { get; } = value;
}

/// <summary>
/// One step of an instance prefix: <c>I!</c> or <c>P(a, b)!</c>. Resolution names the InstanceDefinition.
/// </summary>
public sealed class PrefixSegment(SourceSpan span, Identifier name, ImmutableArray<Expr> arguments) : Node(span)
{
    public Identifier Name { get; } = name;

    public ImmutableArray<Expr> Arguments { get; } = arguments;

    /// <summary>Filled by the resolver.</summary>
    public Resolution? Resolution { get; internal set; }
}

/// <summary>
/// Application of an operator (built-in or user-defined, any fixity) or a reference to a name:
/// <c>x</c>, <c>Foo(a)</c>, <c>a + b</c>, <c>x'</c>, <c>I!Op(a)</c>. <see cref="Name"/> is canonical
/// (see <see cref="Operators"/>).
/// </summary>
public sealed class OpApp(
    SourceSpan span,
    string name,
    SourceSpan nameSpan,
    Fixity fixity,
    ImmutableArray<PrefixSegment> prefix,
    ImmutableArray<Expr> arguments) : Expr(span)
{
    /// <summary>Canonical name: an identifier or a canonical operator symbol.</summary>
    public string Name { get; } = name;

    /// <summary>Span of the operator symbol or identifier alone (SANY reports errors there).</summary>
    public SourceSpan NameSpan { get; } = nameSpan;

    public Fixity Fixity { get; } = fixity;

    /// <summary>Instance prefix segments (empty for plain names).</summary>
    public ImmutableArray<PrefixSegment> Prefix { get; } = prefix;

    public ImmutableArray<Expr> Arguments { get; } = arguments;

    /// <summary>Filled by the resolver: what <see cref="Name"/> denotes here.</summary>
    public Resolution? Resolution { get; internal set; }
}

/// <summary>
/// What a name denotes after semantic analysis. <see cref="Target"/> is the declaration (a node of the module
/// that declares it, or a <see cref="BuiltinOperator"/>). <see cref="Via"/> lists the unnamed INSTANCEs (outermost
/// first) through which the target became visible in the scope of the reference; substitutions of those
/// instances apply while evaluating the target. EXTENDS adds nothing to Via (extension is textual inclusion).
/// </summary>
public sealed class Resolution(IDeclaration target, ImmutableArray<Instance> via)
{
    public IDeclaration Target { get; } = target;

    public ImmutableArray<Instance> Via { get; } = via;
}

/// <summary>A bound variable introduced by a quantifier, CHOOSE, set/function constructor or function definition.</summary>
public sealed class BoundName(SourceSpan span, string name) : Node(span), IDeclaration
{
    public string Name { get; } = name;

    public int Arity => 0;

    public DeclarationKind Kind => DeclarationKind.BoundVariable;
}

/// <summary>
/// <c>x, y \in S</c> (names each ranging over <see cref="Domain"/>), <c>&lt;&lt;a, b&gt;&gt; \in S</c> (<see cref="IsTuple"/>:
/// one tuple destructured into the names), or an unbounded <c>x</c> (Domain null).
/// </summary>
public sealed class QuantifierBound(SourceSpan span, ImmutableArray<BoundName> names, bool isTuple, Expr? domain)
    : Node(span)
{
    public ImmutableArray<BoundName> Names { get; } = names;

    public bool IsTuple { get; } = isTuple;

    public Expr? Domain { get; } = domain;
}

/// <summary>Which quantifier.</summary>
public enum QuantifierKind
{
    Forall,
    Exists,

    /// <summary><c>\AA</c> (temporal universal; parsed, not model-checked).</summary>
    TemporalForall,

    /// <summary><c>\EE</c> (temporal existential; parsed, not model-checked).</summary>
    TemporalExists,
}

/// <summary><c>\A b1, b2 : body</c> / <c>\E ...</c> with one or more bounds.</summary>
public sealed class Quantified(SourceSpan span, QuantifierKind kind, ImmutableArray<QuantifierBound> bounds, Expr body)
    : Expr(span)
{
    public QuantifierKind Kind { get; } = kind;

    public ImmutableArray<QuantifierBound> Bounds { get; } = bounds;

    public Expr Body { get; } = body;
}

/// <summary><c>CHOOSE x \in S : P</c>, <c>CHOOSE x : P</c>, <c>CHOOSE &lt;&lt;a, b&gt;&gt; \in S : P</c>.</summary>
public sealed class Choose(SourceSpan span, QuantifierBound bound, Expr body) : Expr(span)
{
    public QuantifierBound Bound { get; } = bound;

    public Expr Body { get; } = body;
}

/// <summary><c>{a, b, c}</c> (and <c>{}</c>).</summary>
public sealed class SetEnumeration(SourceSpan span, ImmutableArray<Expr> elements) : Expr(span)
{
    public ImmutableArray<Expr> Elements { get; } = elements;
}

/// <summary><c>{x \in S : P}</c> (also with a tuple pattern).</summary>
public sealed class SetFilter(SourceSpan span, QuantifierBound bound, Expr predicate) : Expr(span)
{
    public QuantifierBound Bound { get; } = bound;

    public Expr Predicate { get; } = predicate;
}

/// <summary><c>{e : x \in S, y \in T}</c>.</summary>
public sealed class SetMap(SourceSpan span, Expr element, ImmutableArray<QuantifierBound> bounds) : Expr(span)
{
    public Expr Element { get; } = element;

    public ImmutableArray<QuantifierBound> Bounds { get; } = bounds;
}

/// <summary><c>f[a]</c>, <c>f[a, b]</c> (the latter means <c>f[&lt;&lt;a, b&gt;&gt;]</c>).</summary>
public sealed class FunctionApplication(SourceSpan span, Expr function, ImmutableArray<Expr> arguments) : Expr(span)
{
    public Expr Function { get; } = function;

    public ImmutableArray<Expr> Arguments { get; } = arguments;
}

/// <summary><c>[x \in S, y \in T |-> e]</c>.</summary>
public sealed class FunctionConstructor(SourceSpan span, ImmutableArray<QuantifierBound> bounds, Expr body) : Expr(span)
{
    public ImmutableArray<QuantifierBound> Bounds { get; } = bounds;

    public Expr Body { get; } = body;
}

/// <summary><c>[S -&gt; T]</c>.</summary>
public sealed class FunctionSet(SourceSpan span, Expr domain, Expr range) : Expr(span)
{
    public Expr Domain { get; } = domain;

    public Expr Range { get; } = range;
}

/// <summary>A field of a record constructor or record set.</summary>
public sealed class RecordField(SourceSpan span, Identifier name, Expr value) : Node(span)
{
    public Identifier Name { get; } = name;

    public Expr Value { get; } = value;
}

/// <summary><c>[a |-&gt; 1, b |-&gt; 2]</c>.</summary>
public sealed class RecordConstructor(SourceSpan span, ImmutableArray<RecordField> fields) : Expr(span)
{
    public ImmutableArray<RecordField> Fields { get; } = fields;
}

/// <summary><c>[a : S, b : T]</c> (field values are the sets).</summary>
public sealed class RecordSet(SourceSpan span, ImmutableArray<RecordField> fields) : Expr(span)
{
    public ImmutableArray<RecordField> Fields { get; } = fields;
}

/// <summary><c>r.a</c>.</summary>
public sealed class FieldAccess(SourceSpan span, Expr record, Identifier field) : Expr(span)
{
    public Expr Record { get; } = record;

    public Identifier Field { get; } = field;
}

/// <summary><c>&lt;&lt;a, b, c&gt;&gt;</c> (and <c>&lt;&lt;&gt;&gt;</c>).</summary>
public sealed class TupleExpr(SourceSpan span, ImmutableArray<Expr> elements) : Expr(span)
{
    public ImmutableArray<Expr> Elements { get; } = elements;
}

/// <summary><c>S \X T \X U</c>: one n-ary product (TLA+'s \X is not associative).</summary>
public sealed class CartesianProduct(SourceSpan span, ImmutableArray<Expr> factors) : Expr(span)
{
    public ImmutableArray<Expr> Factors { get; } = factors;
}

/// <summary><c>[f EXCEPT ![a] = e1, !.b = e2]</c>.</summary>
public sealed class Except(SourceSpan span, Expr function, ImmutableArray<ExceptUpdate> updates) : Expr(span)
{
    public Expr Function { get; } = function;

    public ImmutableArray<ExceptUpdate> Updates { get; } = updates;
}

/// <summary>One <c>!path = value</c> clause; <c>@</c> in <see cref="Value"/> is the old value at the path.</summary>
public sealed class ExceptUpdate(SourceSpan span, ImmutableArray<ExceptStep> path, Expr value) : Node(span)
{
    public ImmutableArray<ExceptStep> Path { get; } = path;

    public Expr Value { get; } = value;
}

/// <summary>One step of an EXCEPT path.</summary>
public abstract class ExceptStep(SourceSpan span) : Node(span);

/// <summary><c>.field</c>.</summary>
public sealed class ExceptField(SourceSpan span, Identifier field) : ExceptStep(span)
{
    public Identifier Field { get; } = field;
}

/// <summary><c>[a]</c> or <c>[a, b]</c> (the latter indexes by the tuple).</summary>
public sealed class ExceptIndex(SourceSpan span, ImmutableArray<Expr> arguments) : ExceptStep(span)
{
    public ImmutableArray<Expr> Arguments { get; } = arguments;
}

/// <summary><c>@</c> inside an EXCEPT value: the old value at the clause's path.</summary>
public sealed class ExceptAt(SourceSpan span) : Expr(span)
{
    /// <summary>Filled by the resolver: the innermost enclosing clause.</summary>
    public ExceptUpdate? Update { get; internal set; }
}

/// <summary><c>IF c THEN a ELSE b</c>.</summary>
public sealed class IfThenElse(SourceSpan span, Expr condition, Expr then, Expr @else) : Expr(span)
{
    public Expr Condition { get; } = condition;

    public Expr Then { get; } = then;

    public Expr Else { get; } = @else;
}

/// <summary>One <c>guard -&gt; value</c> arm of a CASE.</summary>
public sealed class CaseArm(SourceSpan span, Expr guard, Expr body) : Node(span)
{
    public Expr Guard { get; } = guard;

    public Expr Body { get; } = body;
}

/// <summary><c>CASE g1 -&gt; e1 [] g2 -&gt; e2 [] OTHER -&gt; e</c>.</summary>
public sealed class Case(SourceSpan span, ImmutableArray<CaseArm> arms, Expr? other) : Expr(span)
{
    public ImmutableArray<CaseArm> Arms { get; } = arms;

    public Expr? Other { get; } = other;
}

/// <summary><c>LET defs IN body</c>; definitions are OperatorDefinition, FunctionDefinition, RecursiveDeclaration (and InstanceDefinition if written).</summary>
public sealed class Let(SourceSpan span, ImmutableArray<Unit> definitions, Expr body) : Expr(span)
{
    public ImmutableArray<Unit> Definitions { get; } = definitions;

    public Expr Body { get; } = body;
}

/// <summary><c>LAMBDA x, y : body</c> (only as an operator argument or substitution value).</summary>
public sealed class Lambda(SourceSpan span, ImmutableArray<FormalParameter> parameters, Expr body) : Expr(span)
{
    public ImmutableArray<FormalParameter> Parameters { get; } = parameters;

    public Expr Body { get; } = body;
}

/// <summary>Which junction a bullet list uses.</summary>
public enum JunctionKind
{
    And,
    Or,
}

/// <summary>
/// A column-aligned bullet list <c>/\ a /\ b</c> or <c>\/ a \/ b</c>. Each item is the expression after its bullet;
/// <see cref="BulletSpans"/> gives the bullets (parallel to <see cref="Items"/>).
/// </summary>
public sealed class JunctionList(
    SourceSpan span,
    JunctionKind kind,
    ImmutableArray<Expr> items,
    ImmutableArray<SourceSpan> bulletSpans) : Expr(span)
{
    public JunctionKind Kind { get; } = kind;

    public ImmutableArray<Expr> Items { get; } = items;

    public ImmutableArray<SourceSpan> BulletSpans { get; } = bulletSpans;

    /// <summary>1-based column of the bullets.</summary>
    public int Column => BulletSpans.IsDefaultOrEmpty ? 0 : BulletSpans[0].StartColumn;
}

/// <summary><c>[A]_v</c> (A or v unchanged) or <c>&lt;&lt;A&gt;&gt;_v</c> (A and v changed) when <see cref="IsAngle"/>.</summary>
public sealed class ActionSubscript(SourceSpan span, bool isAngle, Expr action, Expr subscript) : Expr(span)
{
    public bool IsAngle { get; } = isAngle;

    public Expr Action { get; } = action;

    public Expr Subscript { get; } = subscript;
}

/// <summary>Weak or strong fairness.</summary>
public enum FairnessKind
{
    Weak,
    Strong,
}

/// <summary><c>WF_v(A)</c> / <c>SF_v(A)</c>.</summary>
public sealed class Fairness(SourceSpan span, FairnessKind kind, Expr subscript, Expr action) : Expr(span)
{
    public FairnessKind Kind { get; } = kind;

    public Expr Subscript { get; } = subscript;

    public Expr Action { get; } = action;
}

/// <summary>
/// A placeholder the parser inserts where an expression was required but missing (a diagnostic was reported);
/// never present in a tree without errors.
/// </summary>
public sealed class ErrorExpr(SourceSpan span) : Expr(span);
