using System.Globalization;
using System.Text;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>
/// Prints syntax trees back to TLA+ text. Every compound expression is parenthesised, so the output shows the
/// tree's structure unambiguously (precedence tests compare it) and re-parses to the same tree (round-trip
/// tests). Junction lists are printed one bullet per line, aligned, which is what gives them their meaning.
/// </summary>
public sealed class Printer
{
    private readonly StringBuilder _out = new();
    private int _lineStart;

    private Printer()
    {
    }

    /// <summary>Prints an expression.</summary>
    public static string Print(Expr expr)
    {
        var printer = new Printer();
        printer.Expr(expr);
        return printer._out.ToString();
    }

    /// <summary>Prints a whole module (declarations and definitions; THEOREMs are omitted).</summary>
    public static string Print(Module module)
    {
        var printer = new Printer();
        printer.Module(module);
        return printer._out.ToString();
    }

    private int Column => _out.Length - _lineStart;

    private void W(string text) => _out.Append(text);

    private void NewLine(int indent)
    {
        _out.Append('\n');
        _lineStart = _out.Length;
        _out.Append(' ', indent);
    }

    private void Module(Module module)
    {
        W($"---- MODULE {module.Name.Text} ----");
        if (!module.Extends.IsEmpty)
        {
            NewLine(0);
            W("EXTENDS " + string.Join(", ", module.Extends.Select(e => e.Text)));
        }

        foreach (var unit in module.Units)
        {
            NewLine(0);
            Unit(unit);
        }

        NewLine(0);
        W("====");
        NewLine(0);
    }

    private void Unit(Unit unit)
    {
        switch (unit)
        {
            case ConstantDeclaration c:
                W("CONSTANTS " + string.Join(", ", c.Constants.Select(Declared)));
                break;
            case VariableDeclaration v:
                W("VARIABLES " + string.Join(", ", v.Variables.Select(x => x.Name)));
                break;
            case RecursiveDeclaration r:
                W("RECURSIVE " + string.Join(", ", r.Operators.Select(Declared)));
                break;
            case Assumption a:
                W("ASSUME ");
                if (a.Name is not null)
                {
                    W(a.Name.Text + " == ");
                }

                Expr(a.Body);
                break;
            case OperatorDefinition d:
                if (d.IsLocal)
                {
                    W("LOCAL ");
                }

                switch (d.Fixity)
                {
                    case Fixity.Infix:
                        W($"{d.Parameters[0].Name} {d.Name} {d.Parameters[1].Name} == ");
                        break;
                    case Fixity.Prefix:
                        W($"{(d.Name == Operators.Negate ? "-" : d.Name)} {d.Parameters[0].Name} == ");
                        break;
                    case Fixity.Postfix:
                        W($"{d.Parameters[0].Name}{d.Name} == ");
                        break;
                    default:
                        W(d.Name + Parameters(d.Parameters) + " == ");
                        break;
                }

                Expr(d.Body);
                break;
            case FunctionDefinition f:
                if (f.IsLocal)
                {
                    W("LOCAL ");
                }

                W(f.Name + "[");
                Bounds(f.Bounds);
                W("] == ");
                Expr(f.Body);
                break;
            case InstanceUnit i:
                if (i.IsLocal)
                {
                    W("LOCAL ");
                }

                Instance(i.Instance);
                break;
            case InstanceDefinition i:
                if (i.IsLocal)
                {
                    W("LOCAL ");
                }

                W(i.Name + Parameters(i.Parameters) + " == ");
                Instance(i.Instance);
                break;
            case Theorem:
                W("\\* THEOREM omitted");
                break;
        }
    }

    private static string Declared(ConstantDecl c)
    {
        if (c.Arity == 2 && Operators.Infix.ContainsKey(c.Name))
        {
            return "_ " + c.Name + " _";
        }

        if (c.Arity == 1 && Operators.Postfix.ContainsKey(c.Name))
        {
            return "_ " + c.Name;
        }

        if (c.Arity == 1 && (c.Name == Operators.Negate || Operators.Prefix.ContainsKey(c.Name)))
        {
            return Symbol(c.Name) + " _";
        }

        return c.Arity == 0 ? c.Name : c.Name + "(" + string.Join(", ", Enumerable.Repeat("_", c.Arity)) + ")";
    }

    private static string Parameters(IReadOnlyCollection<FormalParameter> parameters) =>
        parameters.Count == 0 ? string.Empty : "(" + string.Join(", ", parameters.Select(p =>
            p.Arity == 0 ? p.Name : p.Name + "(" + string.Join(", ", Enumerable.Repeat("_", p.Arity)) + ")")) + ")";

    private void Instance(Instance instance)
    {
        W("INSTANCE " + instance.ModuleName.Text);
        for (var i = 0; i < instance.Substitutions.Length; i++)
        {
            W(i == 0 ? " WITH " : ", ");
            W(instance.Substitutions[i].Parameter.Text + " <- ");
            Expr(instance.Substitutions[i].Value);
        }
    }

    private void List<T>(IEnumerable<T> items, Action<T> print, string separator = ", ")
    {
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                W(separator);
            }

            first = false;
            print(item);
        }
    }

    private void Bounds(IEnumerable<QuantifierBound> bounds) => List(bounds, Bound);

    private void Bound(QuantifierBound bound)
    {
        var names = string.Join(", ", bound.Names.Select(n => n.Name));
        W(bound.IsTuple ? "<<" + names + ">>" : names);
        if (bound.Domain is not null)
        {
            W(" \\in ");
            Expr(bound.Domain);
        }
    }

    private static string Symbol(string canonical) => canonical switch
    {
        Operators.Negate => "-",
        _ => canonical,
    };

    private void Expr(Expr expr)
    {
        switch (expr)
        {
            case NumberLiteral n:
                W(n.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case StringLiteral s:
                W("\"" + s.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t")
                    .Replace("\r", "\\r").Replace("\f", "\\f") + "\"");
                break;
            case BooleanLiteral b:
                W(b.Value ? "TRUE" : "FALSE");
                break;
            case OpApp op:
                OpApp(op);
                break;
            case Quantified q:
                W("(" + q.Kind switch
                {
                    QuantifierKind.Forall => "\\A ",
                    QuantifierKind.Exists => "\\E ",
                    QuantifierKind.TemporalForall => "\\AA ",
                    _ => "\\EE ",
                });
                Bounds(q.Bounds);
                W(" : ");
                Expr(q.Body);
                W(")");
                break;
            case Choose c:
                W("(CHOOSE ");
                Bound(c.Bound);
                W(" : ");
                Expr(c.Body);
                W(")");
                break;
            case SetEnumeration s:
                W("{");
                List(s.Elements, Expr);
                W("}");
                break;
            case SetFilter f:
                W("{");
                Bound(f.Bound);
                W(" : ");
                Expr(f.Predicate);
                W("}");
                break;
            case SetMap m:
                W("{");
                Expr(m.Element);
                W(" : ");
                Bounds(m.Bounds);
                W("}");
                break;
            case FunctionApplication a:
                Expr(a.Function);
                W("[");
                List(a.Arguments, Expr);
                W("]");
                break;
            case FunctionConstructor f:
                W("[");
                Bounds(f.Bounds);
                W(" |-> ");
                Expr(f.Body);
                W("]");
                break;
            case FunctionSet f:
                W("[");
                Expr(f.Domain);
                W(" -> ");
                Expr(f.Range);
                W("]");
                break;
            case RecordConstructor r:
                W("[");
                List(r.Fields, f =>
                {
                    W(f.Name.Text + " |-> ");
                    Expr(f.Value);
                });
                W("]");
                break;
            case RecordSet r:
                W("[");
                List(r.Fields, f =>
                {
                    W(f.Name.Text + " : ");
                    Expr(f.Value);
                });
                W("]");
                break;
            case FieldAccess f:
                Expr(f.Record);
                W("." + f.Field.Text);
                break;
            case TupleExpr t:
                W("<<");
                List(t.Elements, Expr);
                W(">>");
                break;
            case CartesianProduct c:
                W("(");
                List(c.Factors, Expr, " \\X ");
                W(")");
                break;
            case Except e:
                W("[");
                Expr(e.Function);
                W(" EXCEPT ");
                List(e.Updates, u =>
                {
                    W("!");
                    foreach (var step in u.Path)
                    {
                        if (step is ExceptField field)
                        {
                            W("." + field.Field.Text);
                        }
                        else if (step is ExceptIndex index)
                        {
                            W("[");
                            List(index.Arguments, Expr);
                            W("]");
                        }
                    }

                    W(" = ");
                    Expr(u.Value);
                });
                W("]");
                break;
            case ExceptAt:
                W("@");
                break;
            case IfThenElse i:
                W("(IF ");
                Expr(i.Condition);
                W(" THEN ");
                Expr(i.Then);
                W(" ELSE ");
                Expr(i.Else);
                W(")");
                break;
            case Case c:
                W("(CASE ");
                List(c.Arms, arm =>
                {
                    Expr(arm.Guard);
                    W(" -> ");
                    Expr(arm.Body);
                }, " [] ");
                if (c.Other is not null)
                {
                    W(c.Arms.IsEmpty ? "OTHER -> " : " [] OTHER -> ");
                    Expr(c.Other);
                }

                W(")");
                break;
            case Let l:
                W("(LET ");
                var column = Column;
                for (var i = 0; i < l.Definitions.Length; i++)
                {
                    if (i > 0)
                    {
                        NewLine(column);
                    }

                    Unit(l.Definitions[i]);
                }

                W(" IN ");
                Expr(l.Body);
                W(")");
                break;
            case Lambda l:
                W("LAMBDA " + string.Join(", ", l.Parameters.Select(p => p.Name)) + " : ");
                Expr(l.Body);
                break;
            case JunctionList j:
            {
                W("(");
                var bulletColumn = Column;
                var bullet = j.Kind == JunctionKind.And ? "/\\ " : "\\/ ";
                for (var i = 0; i < j.Items.Length; i++)
                {
                    if (i > 0)
                    {
                        NewLine(bulletColumn);
                    }

                    W(bullet);
                    Expr(j.Items[i]);
                }

                W(")");
                break;
            }

            case ActionSubscript a:
                W(a.IsAngle ? "<<" : "[");
                Expr(a.Action);
                W(a.IsAngle ? ">>_" : "]_");
                Subscript(a.Subscript);
                break;
            case Fairness f:
                W(f.Kind == FairnessKind.Weak ? "WF_" : "SF_");
                Subscript(f.Subscript);
                W("(");
                Expr(f.Action);
                W(")");
                break;
            case ErrorExpr:
                W("<error>");
                break;
        }
    }

    private void Subscript(Expr subscript)
    {
        if (subscript is OpApp { Fixity: Fixity.Name, Arguments.IsEmpty: true, Prefix.IsEmpty: true } or TupleExpr)
        {
            Expr(subscript);
            return;
        }

        W("(");
        Expr(subscript);
        W(")");
    }

    private void OpApp(OpApp op)
    {
        switch (op.Fixity)
        {
            case Fixity.Infix when op.Arguments.Length == 2:
                W("(");
                Expr(op.Arguments[0]);
                W(" " + op.Name + " ");
                Expr(op.Arguments[1]);
                W(")");
                return;
            case Fixity.Prefix when op.Arguments.Length == 1:
                W("(" + Symbol(op.Name) + (char.IsLetter(op.Name[0]) ? " " : string.Empty));
                Expr(op.Arguments[0]);
                W(")");
                return;
            case Fixity.Postfix when op.Arguments.Length == 1:
                W("(");
                Expr(op.Arguments[0]);
                W(op.Name + ")");
                return;
            case Fixity.Infix or Fixity.Prefix or Fixity.Postfix:
                // An operator symbol passed as an argument (SortSeq(s, <)).
                W(Symbol(op.Name));
                return;
        }

        foreach (var segment in op.Prefix)
        {
            W(segment.Name.Text);
            if (!segment.Arguments.IsEmpty)
            {
                W("(");
                List(segment.Arguments, Expr);
                W(")");
            }

            W("!");
        }

        W(op.Name);
        if (!op.Arguments.IsEmpty)
        {
            W("(");
            List(op.Arguments, Expr);
            W(")");
        }
    }
}
