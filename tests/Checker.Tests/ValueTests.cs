using VerifiedIpc.Checker;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Tests;

public class ValueOrderTests
{
    private static IntValue I(int i) => IntValue.Of(i);
    private static SetValue S(params Value[] v) => SetValue.Of(v);
    private static FcnValue T(params Value[] v) => FcnValue.Tuple(v);

    [Fact]
    public void Sets_are_sorted_and_deduplicated()
    {
        Assert.Equal("{1, 2, 3}", S(I(3), I(1), I(2), I(3)).ToString());
    }

    [Fact]
    public void Sets_order_by_cardinality_then_elements()
    {
        var pool = S(S(I(3)), S(I(1), I(2)), S(I(2)), S(), S(I(1), I(3)), S(I(2), I(3)));
        Assert.Equal("{{}, {2}, {3}, {1, 2}, {1, 3}, {2, 3}}", pool.ToString());
    }

    [Fact]
    public void Tuples_order_by_length_then_elements()
    {
        var s = S(T(I(2), I(1)), T(I(1), I(2), I(3)), T(I(1), I(5)));
        Assert.Equal("{<<1, 5>>, <<2, 1>>, <<1, 2, 3>>}", s.ToString());
    }

    [Fact]
    public void Booleans_order_false_first()
    {
        Assert.True(BoolValue.False.CompareTo(BoolValue.True) < 0);
    }

    [Fact]
    public void Strings_order_by_intern_rank_not_lexicographically()
    {
        var table = new StringTable();
        var zeta = table.Intern("zeta");
        var alpha = table.Intern("alpha");
        Assert.Equal("{\"zeta\", \"alpha\"}", S(alpha, zeta).ToString());
        Assert.Same(zeta, table.Intern("zeta"));
    }

    [Fact]
    public void Model_values_order_by_creation()
    {
        var s = S(new ModelValue("pm", 2), new ModelValue("pz", 0), new ModelValue("pa", 1));
        Assert.Equal("{pz, pa, pm}", s.ToString());
    }

    [Fact]
    public void Comparing_integer_with_string_is_an_evaluation_error()
    {
        var table = new StringTable();
        Assert.Throws<EvalException>(() => Value.EqualsChecked(I(1), table.Intern("a")));
        Assert.False(Value.EqualsChecked(I(1), new ModelValue("m", 0)));
    }

    [Fact]
    public void Subset_enumerates_in_set_order()
    {
        var sub = new SubsetValue(S(I(3), I(1), I(2)));
        Assert.Equal("{{}, {1}, {2}, {3}, {1, 2}, {1, 3}, {2, 3}, {1, 2, 3}}", sub.Normalize().ToString());
        Assert.True(sub.Contains(S(I(1), I(3))));
        Assert.False(sub.Contains(S(I(4))));
    }

    [Fact]
    public void Function_set_enumerates_like_tuples_of_values()
    {
        var fs = new FcnSetValue(new IntervalValue(1, 2), new IntervalValue(1, 2));
        Assert.Equal("{<<1, 1>>, <<1, 2>>, <<2, 1>>, <<2, 2>>}", fs.Normalize().ToString());
    }
}

public class ValueEqualityTests
{
    [Fact]
    public void Function_over_one_to_n_is_the_tuple()
    {
        var f = FcnValue.FromPairs([IntValue.Of(2), IntValue.Of(1)], [IntValue.Of(20), IntValue.Of(10)]);
        var t = FcnValue.Tuple([IntValue.Of(10), IntValue.Of(20)]);
        Assert.True(f.Equals(t));
        Assert.Equal(t.Fingerprint, f.Fingerprint);
        Assert.Equal("<<10, 20>>", f.ToString());
    }

    [Fact]
    public void Interval_equals_enumerated_set_with_same_fingerprint()
    {
        var iv = new IntervalValue(1, 3);
        var s = SetValue.Of([IntValue.Of(1), IntValue.Of(2), IntValue.Of(3)]);
        Assert.True(iv.Equals(s));
        Assert.True(s.Equals(iv));
        Assert.Equal(s.Fingerprint, iv.Fingerprint);
    }

    [Fact]
    public void Fingerprints_separate_kinds_with_same_shape()
    {
        var set = SetValue.Of([IntValue.Of(1), IntValue.Of(2)]);
        var tup = FcnValue.Tuple([IntValue.Of(1), IntValue.Of(2)]);
        Assert.NotEqual(set.Fingerprint, tup.Fingerprint);
        Assert.NotEqual(IntValue.Of(0).Fingerprint, BoolValue.False.Fingerprint);
        Assert.NotEqual(FcnValue.Tuple([IntValue.Of(1), IntValue.Of(2)]).Fingerprint, FcnValue.Tuple([IntValue.Of(2), IntValue.Of(1)]).Fingerprint);
    }

    [Fact]
    public void Records_are_functions_over_strings()
    {
        var table = new StringTable();
        var a = table.Intern("zeta");
        var b = table.Intern("alpha");
        var r = FcnValue.Record([b, a], [IntValue.Of(2), IntValue.Of(1)]);
        Assert.Equal("[zeta |-> 1, alpha |-> 2]", r.ToString());
        Assert.Equal(IntValue.Of(1), r.Apply(table.Intern("zeta")));
    }

    [Fact]
    public void Other_functions_print_with_colon_greater_and_at_at()
    {
        var f = FcnValue.FromPairs([IntValue.Of(0), IntValue.Of(1)], [IntValue.Of(-1), IntValue.Of(-1)]);
        Assert.Equal("(0 :> -1 @@ 1 :> -1)", f.ToString());
    }

    [Fact]
    public void Applying_outside_the_domain_is_an_error()
    {
        var t = FcnValue.Tuple([IntValue.Of(1)]);
        Assert.Throws<EvalException>(() => t.Apply(IntValue.Of(2)));
    }

    [Fact]
    public void Overflow_is_an_evaluation_error()
    {
        var ex = Assert.Throws<EvalException>(() => IntValue.OfChecked((long)int.MaxValue + 1, "x"));
        Assert.Equal(EvalErrorKind.Overflow, ex.Kind);
    }
}
