// The memory template picks DynamoDB when MEMORY_TABLE is set, loads the AWS SDK only on first use, and
// maps records to items (pk = namespace label, sk = key). No AWS here: the SDK module is replaced by an
// in-memory table with the same command classes the store sends.
import { describe, expect, it } from "vitest";
import { createDynamoDbStore, type DynamoDbModule } from "../../templates/memory/src/dynamodb-store.js";
import { createStore } from "../../templates/memory/src/store.js";

// biome-ignore lint/suspicious/noExplicitAny: the fake reads untyped SDK command inputs
type Input = Record<string, any>;

function inMemorySdk(status = "ACTIVE") {
  const items = new Map<string, Record<string, { S?: string }>>();
  const sent: string[] = [];
  const command = (name: string) =>
    class {
      readonly name = name;
      constructor(readonly input: Input) {}
    };
  const id = (key: Record<string, { S?: string }>) => `${key.pk!.S}|${key.sk!.S}`;
  const sdk: DynamoDbModule = {
    DynamoDBClient: class {
      async send(command: { name: string; input: Input }) {
        sent.push(`${command.name} ${command.input.TableName}`);
        const { input } = command;
        switch (command.name) {
          case "GetItem":
            return { Item: items.get(id(input.Key)) };
          case "PutItem":
            items.set(id(input.Item), input.Item);
            return {};
          case "DeleteItem": {
            const old = items.get(id(input.Key));
            items.delete(id(input.Key));
            return { Attributes: old };
          }
          default:
            return { Table: { TableStatus: status } };
        }
      }
      destroy() {}
    },
    GetItemCommand: command("GetItem"),
    PutItemCommand: command("PutItem"),
    DeleteItemCommand: command("DeleteItem"),
    DescribeTableCommand: command("DescribeTable"),
  };
  return { sdk, items, sent };
}

describe("memory store selection", () => {
  it("uses DynamoDB when MEMORY_TABLE is set, before REDIS_URL, and files otherwise", async () => {
    const dynamo = createStore({ MEMORY_TABLE: "demo-memory", REDIS_URL: "redis://127.0.0.1:1" });
    expect(dynamo.kind).toBe("dynamodb");
    await dynamo.close();
    const files = createStore({ MEMORY_DIR: "/tmp/agentctl-unused-memory" });
    expect(files.kind).toBe("file");
    await files.close();
  });

  it("loads the SDK only when the store is first used", async () => {
    let loads = 0;
    const { sdk } = inMemorySdk();
    const store = createDynamoDbStore("t", async () => {
      loads += 1;
      return sdk;
    });
    expect(loads).toBe(0);
    await store.get("u", "k");
    await store.get("u", "k");
    expect(loads).toBe(1);
  });

  it("stores, reads and deletes records as items keyed by namespace and key", async () => {
    const { sdk, items, sent } = inMemorySdk();
    const store = createDynamoDbStore("demo-memory", async () => sdk);
    const record = { value: { colour: "teal" }, updated_at: "2026-11-24T10:00:00.000Z" };
    await store.set("alice", "prefs", record);
    expect([...items.keys()]).toEqual(["user:alice|prefs"]);
    expect(await store.get("alice", "prefs")).toEqual(record);
    expect(await store.get("bob", "prefs")).toBeUndefined();
    expect(await store.get("", "prefs")).toBeUndefined();
    expect(await store.delete("alice", "prefs")).toBe(true);
    expect(await store.delete("alice", "prefs")).toBe(false);
    expect(await store.ping()).toBe(true);
    expect(sent.every((line) => line.endsWith(" demo-memory"))).toBe(true);
  });

  it("is not ready when the table is not active or the SDK cannot load", async () => {
    expect(await createDynamoDbStore("t", async () => inMemorySdk("CREATING").sdk).ping()).toBe(false);
    const missing = createDynamoDbStore("t", async () => {
      throw new Error("MEMORY_TABLE is set but @aws-sdk/client-dynamodb cannot be loaded");
    });
    expect(await missing.ping()).toBe(false);
    await expect(missing.get("u", "k")).rejects.toThrow(/cannot be loaded/);
  });
});
