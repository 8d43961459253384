/** The embedded lake: layout, atomic commits, DuckDB and safe Parquet reads. */
export { commitDirectory, recoverDirectory, writeFileAtomic } from './commit';
export { DATA_FILE, tableDir, partitionRelPath, dataDir, committedPartitions, parquetFiles, partitionWindow } from './layout';
export { withDuckDb, queryRows, sqlString, duckIdent, fileList, readParquet, timestampLiteral, duckTypeOf, contractTypeOfDuck } from './duckdb';
export { CorruptParquetError, assertParquetReadable, namingCorruptFile, describeColumns, parquetSummary } from './parquet';
