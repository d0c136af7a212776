using System.Runtime.CompilerServices;

// The seeded-bug constructors (BufferFaults) and invariant checks are internal: only test and benchmark
// assemblies can build a mutant, so no production code path can reach one.
[assembly: InternalsVisibleTo("VerifiedIpc.Reference.Tests")]
[assembly: InternalsVisibleTo("VerifiedIpc.Coyote.Tests")]
[assembly: InternalsVisibleTo("VerifiedIpc.Properties")]
[assembly: InternalsVisibleTo("VerifiedIpc.Bench")]
