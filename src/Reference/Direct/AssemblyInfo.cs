using System.Runtime.CompilerServices;

// The seeded-fault constructors (DirectFaults) and the monitors' internals are reachable only from the test and
// benchmark assemblies, never from a production path. Other folders may declare the same attributes: the
// compiler accepts duplicates of InternalsVisibleTo.
[assembly: InternalsVisibleTo("VerifiedIpc.Reference.Tests")]
[assembly: InternalsVisibleTo("VerifiedIpc.Coyote.Tests")]
[assembly: InternalsVisibleTo("VerifiedIpc.Properties")]
[assembly: InternalsVisibleTo("VerifiedIpc.Bench")]
