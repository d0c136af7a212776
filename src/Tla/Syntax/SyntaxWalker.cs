namespace VerifiedIpc.Tla.Syntax;

/// <summary>Enumerates the nodes of a tree without recursion (so any tree the parser accepts can be walked).</summary>
public static class SyntaxWalker
{
    /// <summary>The direct children of a node, in source order.</summary>
    public static IEnumerable<Node> Children(Node node)
    {
        switch (node)
        {
            case Module m:
                foreach (var u in m.Units)
                {
                    yield return u;
                }

                break;
            case OperatorDefinition d:
                foreach (var p in d.Parameters)
                {
                    yield return p;
                }

                yield return d.Body;
                break;
            case FunctionDefinition f:
                foreach (var b in f.Bounds)
                {
                    yield return b;
                }

                yield return f.Body;
                break;
            case ConstantDeclaration c:
                foreach (var x in c.Constants)
                {
                    yield return x;
                }

                break;
            case VariableDeclaration v:
                foreach (var x in v.Variables)
                {
                    yield return x;
                }

                break;
            case InstanceUnit u:
                yield return u.Instance;
                break;
            case InstanceDefinition i:
                foreach (var p in i.Parameters)
                {
                    yield return p;
                }

                yield return i.Instance;
                break;
            case Instance i:
                foreach (var s in i.Substitutions)
                {
                    yield return s;
                }

                break;
            case Substitution s:
                yield return s.Value;
                break;
            case Assumption a:
                yield return a.Body;
                break;
            case OpApp op:
                foreach (var p in op.Prefix)
                {
                    yield return p;
                }

                foreach (var a in op.Arguments)
                {
                    yield return a;
                }

                break;
            case PrefixSegment p:
                foreach (var a in p.Arguments)
                {
                    yield return a;
                }

                break;
            case QuantifierBound b:
                foreach (var n in b.Names)
                {
                    yield return n;
                }

                if (b.Domain is not null)
                {
                    yield return b.Domain;
                }

                break;
            case Quantified q:
                foreach (var b in q.Bounds)
                {
                    yield return b;
                }

                yield return q.Body;
                break;
            case Choose c:
                yield return c.Bound;
                yield return c.Body;
                break;
            case SetEnumeration s:
                foreach (var e in s.Elements)
                {
                    yield return e;
                }

                break;
            case SetFilter f:
                yield return f.Bound;
                yield return f.Predicate;
                break;
            case SetMap m:
                yield return m.Element;
                foreach (var b in m.Bounds)
                {
                    yield return b;
                }

                break;
            case FunctionApplication a:
                yield return a.Function;
                foreach (var x in a.Arguments)
                {
                    yield return x;
                }

                break;
            case FunctionConstructor f:
                foreach (var b in f.Bounds)
                {
                    yield return b;
                }

                yield return f.Body;
                break;
            case FunctionSet f:
                yield return f.Domain;
                yield return f.Range;
                break;
            case RecordConstructor r:
                foreach (var f in r.Fields)
                {
                    yield return f;
                }

                break;
            case RecordSet r:
                foreach (var f in r.Fields)
                {
                    yield return f;
                }

                break;
            case RecordField f:
                yield return f.Value;
                break;
            case FieldAccess f:
                yield return f.Record;
                break;
            case TupleExpr t:
                foreach (var e in t.Elements)
                {
                    yield return e;
                }

                break;
            case CartesianProduct c:
                foreach (var e in c.Factors)
                {
                    yield return e;
                }

                break;
            case Except e:
                yield return e.Function;
                foreach (var u in e.Updates)
                {
                    yield return u;
                }

                break;
            case ExceptUpdate u:
                foreach (var s in u.Path)
                {
                    yield return s;
                }

                yield return u.Value;
                break;
            case ExceptIndex i:
                foreach (var a in i.Arguments)
                {
                    yield return a;
                }

                break;
            case IfThenElse i:
                yield return i.Condition;
                yield return i.Then;
                yield return i.Else;
                break;
            case Case c:
                foreach (var arm in c.Arms)
                {
                    yield return arm;
                }

                if (c.Other is not null)
                {
                    yield return c.Other;
                }

                break;
            case CaseArm arm:
                yield return arm.Guard;
                yield return arm.Body;
                break;
            case Let l:
                foreach (var d in l.Definitions)
                {
                    yield return d;
                }

                yield return l.Body;
                break;
            case Lambda l:
                foreach (var p in l.Parameters)
                {
                    yield return p;
                }

                yield return l.Body;
                break;
            case JunctionList j:
                foreach (var i in j.Items)
                {
                    yield return i;
                }

                break;
            case ActionSubscript a:
                yield return a.Action;
                yield return a.Subscript;
                break;
            case Fairness f:
                yield return f.Subscript;
                yield return f.Action;
                break;
        }
    }

    /// <summary>The node and all nodes below it, parents before children.</summary>
    public static IEnumerable<Node> DescendantsAndSelf(Node root)
    {
        var stack = new Stack<Node>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            foreach (var child in Children(node).Reverse())
            {
                stack.Push(child);
            }
        }
    }
}
