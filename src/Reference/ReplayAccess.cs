using System.Runtime.CompilerServices;

// vipc replay drives the implementation through a checker counterexample, and a mutant's counterexample only
// reproduces on the matching seeded bug (BufferFaults, SeededBugs). The CLI is a verification tool like the test
// assemblies, so it may build a mutant too; library users still cannot.
[assembly: InternalsVisibleTo("vipc")]
