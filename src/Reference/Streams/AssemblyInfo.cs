using System.Runtime.CompilerServices;

// Seeded-bug switches and internal hooks (e.g. ReliableOptions.Bugs) are reachable only from the verification
// projects, never from production callers.
[assembly: InternalsVisibleTo("VerifiedIpc.Reference.Tests")]
[assembly: InternalsVisibleTo("VerifiedIpc.Coyote.Tests")]
[assembly: InternalsVisibleTo("VerifiedIpc.Properties")]
[assembly: InternalsVisibleTo("VerifiedIpc.Bench")]
