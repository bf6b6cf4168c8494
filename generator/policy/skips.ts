// Symbols the generator deliberately does not bind, each with its reason. The coverage test
// checks that every symbol of the XML is either bound or listed here. Goal: no functions.
//
// A name may be of any kind: function, macro, struct, typedef or handle typedef (virDomainPtr),
// callback type, variable, enum constant, or enum type (which skips its constants too). A symbol
// that still uses a skipped one (a function taking a skipped struct) is refused until it is
// skipped as well; so is a name the generated modules need (virErrorNumber), an opaque struct
// (skip its handle typedef) and, for the XMLs in api-xml/, a name they lack (generator/skip-symbols.ts).

export const skippedSymbols: Readonly<Record<string, string>> = {
  _virBlkioParameter: 'struct-tag alias macro for virTypedParameter; the virBlkioParameter typedef is bound',
  _virMemoryParameter: 'struct-tag alias macro for virTypedParameter; the virMemoryParameter typedef is bound',
  _virSchedParameter: 'struct-tag alias macro for virTypedParameter; the virSchedParameter typedef is bound',
};
