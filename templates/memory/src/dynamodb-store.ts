// The DynamoDB store, chosen when MEMORY_TABLE is set (the serverless target creates the table and sets
// it). One item per memory key: partition key `pk` = the namespace label, sort key `sk` = the key, the
// record as JSON in `record`. The AWS SDK is loaded only on first use, so other deployments never need
// it; on Lambda the Node.js runtime provides @aws-sdk/client-dynamodb (the bundle keeps it external).
import { namespaceLabel } from "./namespace.js";
import type { MemoryStore, StoredRecord } from "./store.js";

type AttributeMap = Record<string, { S?: string }>;

/** The parts of @aws-sdk/client-dynamodb this store uses. */
export interface DynamoDbModule {
  DynamoDBClient: new (
    config: Record<string, unknown>,
  ) => {
    send(
      command: unknown,
    ): Promise<{ Item?: AttributeMap; Attributes?: AttributeMap; Table?: { TableStatus?: string } }>;
    destroy(): void;
  };
  GetItemCommand: new (input: Record<string, unknown>) => unknown;
  PutItemCommand: new (input: Record<string, unknown>) => unknown;
  DeleteItemCommand: new (input: Record<string, unknown>) => unknown;
  DescribeTableCommand: new (input: Record<string, unknown>) => unknown;
}

// A variable specifier keeps bundlers from resolving the SDK at build time.
const sdkName = "@aws-sdk/client-dynamodb";

/** Loads the AWS SDK's DynamoDB client module. */
export async function loadDynamoDbSdk(): Promise<DynamoDbModule> {
  try {
    return (await import(sdkName)) as DynamoDbModule;
  } catch (error) {
    throw new Error(
      `MEMORY_TABLE is set but ${sdkName} cannot be loaded (${(error as Error).message}); it ships with the AWS Lambda Node.js runtime, elsewhere install it or unset MEMORY_TABLE`,
    );
  }
}

/** A store on the DynamoDB table `table`; `load` supplies the SDK (tests pass their own). */
export function createDynamoDbStore(
  table: string,
  load: () => Promise<DynamoDbModule> = loadDynamoDbSdk,
): MemoryStore {
  let connection:
    | Promise<{ sdk: DynamoDbModule; client: InstanceType<DynamoDbModule["DynamoDBClient"]> }>
    | undefined;
  const connect = () => {
    connection ??= load().then((sdk) => ({ sdk, client: new sdk.DynamoDBClient({}) }));
    return connection;
  };
  const key = (namespace: string, name: string) => ({
    pk: { S: namespaceLabel(namespace) },
    sk: { S: name },
  });
  return {
    kind: "dynamodb",
    async get(namespace, name) {
      const { sdk, client } = await connect();
      const reply = await client.send(
        new sdk.GetItemCommand({ TableName: table, Key: key(namespace, name), ConsistentRead: true }),
      );
      const stored = reply.Item?.record?.S;
      return stored === undefined ? undefined : (JSON.parse(stored) as StoredRecord);
    },
    async set(namespace, name, record) {
      const { sdk, client } = await connect();
      const item = { ...key(namespace, name), record: { S: JSON.stringify(record) } };
      await client.send(new sdk.PutItemCommand({ TableName: table, Item: item }));
    },
    async delete(namespace, name) {
      const { sdk, client } = await connect();
      const reply = await client.send(
        new sdk.DeleteItemCommand({ TableName: table, Key: key(namespace, name), ReturnValues: "ALL_OLD" }),
      );
      return reply.Attributes !== undefined;
    },
    async ping() {
      try {
        const { sdk, client } = await connect();
        const reply = await client.send(new sdk.DescribeTableCommand({ TableName: table }));
        return reply.Table?.TableStatus === "ACTIVE";
      } catch {
        return false;
      }
    },
    async close() {
      if (connection) (await connection.catch(() => undefined))?.client.destroy();
    },
  };
}
