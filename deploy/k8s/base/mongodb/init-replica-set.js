// Run by Job mongodb-init (mongosh, as the root user, connected directly to mongodb-0). Idempotent: it
// runs again after every rollout, which is how a new service or a rotated password reaches the database.
//  1. initiate replica set rs0 with the three StatefulSet members, unless it is initiated already;
//  2. wait, with a deadline, until a primary is elected, and connect to the set;
//  3. for each MONGODB_PASSWORD_<SERVICE> variable, create or update the user <service> with readWrite
//     on the database <service> (the service's MONGODB_DATABASE), with majority write concern.
const hosts = process.env.MONGODB_HOSTS.split(",");
const members = hosts.map((host, i) => ({ _id: i, host }));

try {
  rs.status();
} catch (err) {
  if (err.codeName !== "NotYetInitialized") throw err;
  rs.initiate({ _id: "rs0", members });
}

const deadline = Date.now() + 180_000;
while (!db.hello().primary) {
  if (Date.now() > deadline) throw new Error("no primary elected within 180 s");
  sleep(1000);
}

const root = encodeURIComponent(process.env.MONGODB_ROOT_USERNAME);
const rootPassword = encodeURIComponent(process.env.MONGODB_ROOT_PASSWORD);
const set = connect(`mongodb://${root}:${rootPassword}@${hosts.join(",")}/admin?replicaSet=rs0&authSource=admin`);
for (const [variable, pwd] of Object.entries(process.env)) {
  const match = /^MONGODB_PASSWORD_([A-Z0-9_]+)$/.exec(variable);
  if (!match) continue;
  const user = match[1].toLowerCase();
  const roles = [{ role: "readWrite", db: user }];
  if (set.getUser(user)) {
    set.updateUser(user, { pwd, roles }, { w: "majority" });
  } else {
    set.createUser({ user, pwd, roles }, { w: "majority" });
  }
  print(`user ${user}: readWrite on ${user}`);
}
