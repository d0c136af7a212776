using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Semantics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Modules;

/// <summary>
/// A parsed and resolved specification: the main module, every user module it reaches through EXTENDS and
/// INSTANCE, their resolved contexts, all diagnostics, and the identifier/string intern order.
/// </summary>
public sealed class LoadedSpec
{
    private readonly Dictionary<Module, ModuleContext> _contexts;

    internal LoadedSpec(
        Module? main,
        IReadOnlyList<Module> modules,
        IReadOnlyList<string> parseOrder,
        Dictionary<Module, ModuleContext> contexts,
        IReadOnlyList<Diagnostic> diagnostics,
        IReadOnlyList<string> internOrder,
        IReadOnlySet<string>? identifiers = null)
    {
        Identifiers = identifiers ?? new HashSet<string>(internOrder, StringComparer.Ordinal);
        Main = main;
        Modules = modules;
        ParseOrder = parseOrder;
        _contexts = contexts;
        Diagnostics = diagnostics;
        InternOrder = internOrder;
    }

    /// <summary>The main module (null when the main file has no module at all).</summary>
    public Module? Main { get; }

    /// <summary>User modules in TLC's parse order: the main module, then modules as they are reached.</summary>
    public IReadOnlyList<Module> Modules { get; }

    /// <summary>
    /// Names of all modules reached, standard ones included, in TLC's parse order: breadth first from the main
    /// module; per module its EXTENDS (in order) before its INSTANCEs (in order of appearance).
    /// </summary>
    public IReadOnlyList<string> ParseOrder { get; }

    /// <summary>Every diagnostic, in the order found (parse errors of each file, then semantic errors).</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>True when any diagnostic is an error (TLC would stop with exit code 150).</summary>
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>
    /// Identifiers and string literals of all loaded user modules, each once, in the order they are first
    /// lexed: files in <see cref="Modules"/> order, tokens in text order. TLC orders strings by the order its
    /// parser interned them; this is that order for the text we parse. Caveat: TLC also interns names of its
    /// standard modules and built-ins (e.g. single letters used as parameters there) before the main module;
    /// those are not included here, because the standard modules are built in and have no text.
    /// </summary>
    public IReadOnlyList<string> InternOrder { get; }

    /// <summary>
    /// The texts of <see cref="InternOrder"/> that occur as identifiers somewhere. SANY interns identifiers while
    /// parsing (the main module first, then the modules it reaches, standard ones included) but string literals
    /// only during semantic analysis, after every module is parsed; a text that occurs only as a string therefore
    /// comes after every identifier in TLC's string order.
    /// </summary>
    public IReadOnlySet<string> Identifiers { get; }

    /// <summary>The resolved context of the main module (names visible at its end), or null without a main module.</summary>
    public ModuleContext? MainContext => Main is not null && _contexts.TryGetValue(Main, out var c) ? c : null;

    /// <summary>The resolved context of a loaded user module.</summary>
    public ModuleContext? ContextOf(Module module) => _contexts.TryGetValue(module, out var c) ? c : null;

    /// <summary>The loaded user module with this name.</summary>
    public Module? FindModule(string name) => Modules.FirstOrDefault(m => m.Name.Text == name);
}

/// <summary>
/// Loads a specification: parses the main file, resolves EXTENDS and INSTANCE to <c>Name.tla</c> files beside it
/// (standard modules are built in), then resolves names module by module, dependencies first. Never throws on
/// bad input: missing files, cycles, syntax and name errors are diagnostics.
/// </summary>
public static class SpecLoader
{
    /// <summary>Loads the spec at <paramref name="mainPath"/>, reading other modules from its folder.</summary>
    public static LoadedSpec Load(string mainPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(mainPath)) ?? ".";
        SourceFile main;
        try
        {
            main = new SourceFile(mainPath, File.ReadAllText(mainPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var empty = new SourceFile(mainPath, string.Empty);
            var bag = new DiagnosticBag();
            bag.Add(DiagnosticCode.FileNotReadable, new SourceSpan(empty, 0, 0), mainPath, e.Message);
            return new LoadedSpec(null, [], [], [], bag.Items, []);
        }

        return Load(main, new DirectoryModuleSource(directory));
    }

    /// <summary>Loads a spec whose main file is given, finding other modules through <paramref name="source"/>.</summary>
    public static LoadedSpec Load(SourceFile mainFile, IModuleSource source)
    {
        var diagnostics = new DiagnosticBag();
        var modules = new List<Module>();
        var byName = new Dictionary<string, Module>(StringComparer.Ordinal);
        var parseOrder = new List<string>();
        var intern = new List<string>();
        var interned = new HashSet<string>(StringComparer.Ordinal);
        var identifiers = new HashSet<string>(StringComparer.Ordinal);

        void Record(IEnumerable<string> names)
        {
            foreach (var name in names)
            {
                if (interned.Add(name))
                {
                    intern.Add(name);
                }
            }
        }

        var mainResult = Parser.ParseFile(mainFile, diagnostics);
        Record(mainResult.InternOrder);
        identifiers.UnionWith(mainResult.Identifiers ?? new HashSet<string>());
        var main = mainResult.Module;
        if (main is null)
        {
            return new LoadedSpec(null, [], [], [], diagnostics.Items, intern);
        }

        CheckFileName(main, diagnostics);
        modules.Add(main);
        byName[main.Name.Text] = main;
        parseOrder.Add(main.Name.Text);

        // Breadth first over module references, as TLC reports "Parsing file ..." lines.
        var queue = new Queue<Module>();
        queue.Enqueue(main);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        while (queue.Count > 0)
        {
            var module = queue.Dequeue();
            foreach (var reference in References(module))
            {
                var name = reference.Text;
                if (byName.ContainsKey(name) || parseOrder.Contains(name))
                {
                    continue;
                }

                if (StandardModules.TryGet(name, out _))
                {
                    parseOrder.Add(name);
                    continue;
                }

                if (!source.TryRead(name, out var file))
                {
                    if (reported.Add(name))
                    {
                        diagnostics.Add(DiagnosticCode.ModuleNotFound, reference.Span, name, module.Name.Text);
                    }

                    continue;
                }

                var result = Parser.ParseFile(file, diagnostics);
                Record(result.InternOrder);
                identifiers.UnionWith(result.Identifiers ?? new HashSet<string>());
                parseOrder.Add(name);
                if (result.Module is null)
                {
                    continue;
                }

                CheckFileName(result.Module, diagnostics);
                modules.Add(result.Module);
                byName[name] = result.Module;
                queue.Enqueue(result.Module);
            }
        }

        var contexts = new Dictionary<Module, ModuleContext>();
        var standardContexts = new Dictionary<string, ModuleContext>(StringComparer.Ordinal);
        var inProgress = new HashSet<Module>();
        var failed = new HashSet<Module>();

        ModuleContext? Resolve(Module module, Identifier? from)
        {
            if (contexts.TryGetValue(module, out var done))
            {
                return done;
            }

            if (failed.Contains(module))
            {
                return null;
            }

            if (!inProgress.Add(module))
            {
                if (from is not null)
                {
                    diagnostics.Add(DiagnosticCode.CircularModuleDependency, from.Span,
                        string.Join(" -> ", inProgress.Select(m => m.Name.Text).Append(module.Name.Text)));
                }

                failed.Add(module);
                return null;
            }

            var extended = new List<(ModuleContext?, StandardModule?)>();
            foreach (var name in module.Extends)
            {
                if (StandardModules.TryGet(name.Text, out var standard))
                {
                    extended.Add((null, standard));
                }
                else if (byName.TryGetValue(name.Text, out var user))
                {
                    extended.Add((Resolve(user, name), null));
                }
            }

            var context = Resolver.Resolve(module, extended, instance =>
            {
                if (instance.Target is null && byName.TryGetValue(instance.ModuleName.Text, out var target))
                {
                    instance.Target = target;
                }

                if (instance.Target is not null)
                {
                    return Resolve(instance.Target, instance.ModuleName);
                }

                return StandardModules.TryGet(instance.ModuleName.Text, out var standard)
                    ? StandardContext(standard, standardContexts)
                    : null;
            }, diagnostics);
            inProgress.Remove(module);
            contexts[module] = context;
            return context;
        }

        // Semantic errors are only meaningful for modules that parsed; SANY stops after parse errors, and so do
        // we, so that one typo yields one message.
        if (!diagnostics.HasErrors)
        {
            Resolve(main, null);
        }

        return new LoadedSpec(main, modules, parseOrder, contexts, diagnostics.Items, intern, identifiers);
    }

    private static ModuleContext StandardContext(StandardModule standard, Dictionary<string, ModuleContext> cache)
    {
        // INSTANCE Naturals (or another standard module): its exports as the context of a synthetic empty module.
        if (!cache.TryGetValue(standard.Name, out var context))
        {
            var file = new SourceFile(standard.Name + ".tla", string.Empty);
            var span = new SourceSpan(file, 0, 0);
            var module = new Module(span, new Identifier(span, standard.Name), [new Identifier(span, standard.Name)], []);
            context = Resolver.Resolve(module, [(null, standard)], _ => null, new DiagnosticBag());
            cache[standard.Name] = context;
        }

        return context;
    }

    private static IEnumerable<Identifier> References(Module module)
    {
        foreach (var name in module.Extends)
        {
            yield return name;
        }

        // INSTANCEs anywhere in the module, LET included, in text order.
        foreach (var instance in SyntaxWalker.DescendantsAndSelf(module).OfType<Instance>())
        {
            yield return instance.ModuleName;
        }
    }

    private static void CheckFileName(Module module, DiagnosticBag diagnostics)
    {
        var expected = module.File.ModuleName;
        if (!string.Equals(expected, module.Name.Text, StringComparison.Ordinal) && !module.File.Path.StartsWith('<'))
        {
            diagnostics.Add(DiagnosticCode.ModuleNameMismatch, module.Name.Span, Path.GetFileName(module.File.Path), module.Name.Text);
        }
    }
}
