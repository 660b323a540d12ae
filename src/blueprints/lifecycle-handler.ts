/**
 * The source of the estate-lifecycle function, inline in the template (no asset, so the stack
 * deploys into an account whose bootstrap bucket holds nothing of it), under Lambda's 4 KB
 * inline limit, with the AWS SDK v3 of the Node.js runtime. One handler, four operations the
 * state machine calls:
 *
 * - `plan {environment, action}`: the environment's stack records (SSM GetParametersByPath
 *   `/estate/env/<env>/stacks/`, every page), each stack's live state (DescribeStacks in its
 *   region), and the levels to work through: for `down` the live stateless stacks and for
 *   `expire` every live stack, deleted in reverse dependency order (a stack before what it
 *   depends on); for `up` the absent stacks, created in dependency order from their records
 *   (the template in the bootstrap bucket, the record's tags plus the deploy-time tags of a
 *   live stack of the environment). A protected environment gets no levels for down or expire.
 * - `operate {item}`: DeleteStack with the record's CloudFormation execution role, or
 *   CreateStack from the template URL; returns the item with the stack id.
 * - `describe {item}`: DescribeStacks by id; `state` is `wait` while *_IN_PROGRESS, `done` at
 *   the end state the operation wants (or when the stack is gone for a delete), else `failed`
 *   with the first failed resource event as the reason.
 * - `forget {environment}`: deletes every parameter under `/estate/env/<env>/` (expiry).
 *
 * Written as CommonJS (what an inline Node.js function is); test/blueprints/lifecycle-handler
 * evaluates it against mocked SDK clients.
 */
/** The CloudFormation stack name of the lifecycle stack in every account and region that has one. */
export const LIFECYCLE_STACK = 'estate-lifecycle';

export const LIFECYCLE_HANDLER_SOURCE = String.raw`const S=require('@aws-sdk/client-ssm'),C=require('@aws-sdk/client-cloudformation');
const ssm=new S.SSMClient({}),cfs={},cf=r=>(cfs[r]??=new C.CloudFormationClient({region:r}));
const KEEP=/^estate:(deployed-by|deployed-at|expires-at|schedule|executor)$/;
const kv=(o,K,V)=>Object.entries(o||{}).map(([k,v])=>({[K]:k,[V]:v})),gone=e=>e.name==='ValidationError'&&/does not exist/.test(e.message);
async function byPath(path){const out=[];let t;do{const p=await ssm.send(new S.GetParametersByPathCommand({Path:path,Recursive:true,NextToken:t}));out.push(...(p.Parameters||[]));t=p.NextToken}while(t);return out}
const ds=async(r,n)=>(await cf(r).send(new C.DescribeStacksCommand({StackName:n}))).Stacks||[];
async function live(r,n){try{return(await ds(r,n)).find(x=>x.StackStatus!=='DELETE_COMPLETE')}catch(e){if(!gone(e))throw e}}
function rank(rs,E){const m=new Map(),by=new Map(rs.map(r=>[r.name,r])),f=n=>{if(!m.has(n)){m.set(n,0);m.set(n,Math.max(0,...E(by.get(n)).filter(x=>by.has(x)).map(x=>f(x)+1)))}return m.get(n)};rs.forEach(r=>f(r.name));return m}
function group(rs,m){const ls=[];for(const r of rs)(ls[m.get(r.name)]??=[]).push(r);return ls.filter(Boolean).map(l=>l.sort((a,b)=>a.name<b.name?-1:1))}
async function plan(e){const rs=(await byPath('/estate/env/'+e.environment+'/stacks/')).map(p=>JSON.parse(p.Value)).filter(r=>r.name!=='estate-bedrock-logging');
const st=new Map();for(const r of rs)st.set(r.name,await live(r.region,r.name));
if(e.action==='up'){const tags={};for(const s of st.values())for(const t of (s&&s.Tags)||[])if(KEEP.test(t.Key)&&!(t.Key in tags))tags[t.Key]=t.Value;
const m=rank(rs,r=>r.dependsOn);return{levels:group(rs.filter(r=>!st.get(r.name)),m).map(l=>l.map(r=>({op:'create',name:r.name,region:r.region,role:r.roleArn,caps:r.capabilities,url:'https://'+r.template.bucket+'.s3.'+r.region+'.amazonaws.com/'+r.template.key,
tags:kv({...r.tags,...tags},'Key','Value'),params:kv(r.parameters,'ParameterKey','ParameterValue')})))}}
const prot=rs.some(r=>r.tags['estate:protected']==='true'||r.tags['estate:profile']==='prod');if(prot)return{levels:[],refused:'protected'};
const m=rank(rs,r=>rs.filter(x=>x.dependsOn.includes(r.name)).map(x=>x.name));
const pick=rs.filter(r=>st.get(r.name)&&(e.action==='expire'||r.role==='stateless'));
return{levels:group(pick,m).map(l=>l.map(r=>({op:'delete',name:r.name,region:r.region,role:r.roleArn})))}}
async function operate({item:i}){const c=cf(i.region);if(i.op==='delete'){const s=await live(i.region,i.name);if(!s)return{...i,id:null};
await c.send(new C.DeleteStackCommand({StackName:s.StackId,RoleARN:i.role}));return{...i,id:s.StackId}}
try{const o=await c.send(new C.CreateStackCommand({StackName:i.name,TemplateURL:i.url,Tags:i.tags,Parameters:i.params,Capabilities:i.caps,RoleARN:i.role}));return{...i,id:o.StackId}}
catch(e){if(e.name!=='AlreadyExistsException')throw e;const s=await live(i.region,i.name);return{...i,id:s?s.StackId:i.name}}}
async function describe({item:i}){if(!i.id)return{...i,state:'done',status:'ABSENT'};let s;try{s=(await ds(i.region,i.id))[0]}catch(e){if(!gone(e))throw e}
const want=i.op==='delete'?'DELETE_COMPLETE':'CREATE_COMPLETE',status=s?s.StackStatus:'DELETE_COMPLETE';
if(status.endsWith('_IN_PROGRESS'))return{...i,state:'wait',status};if(status===want)return{...i,state:'done',status};
const ev=((await cf(i.region).send(new C.DescribeStackEventsCommand({StackName:i.id}))).StackEvents||[]).filter(x=>/FAILED$/.test(x.ResourceStatus||'')&&x.ResourceStatusReason!=='Resource creation cancelled').pop();
return{...i,state:'failed',status,reason:i.name+' '+status+': '+(ev?ev.LogicalResourceId+' '+ev.ResourceStatus+' '+ev.ResourceStatusReason:(s&&s.StackStatusReason)||'no reason given')}}
async function forget(e){const ns=(await byPath('/estate/env/'+e.environment+'/')).map(p=>p.Name);for(let k=0;k<ns.length;k+=10)await ssm.send(new S.DeleteParametersCommand({Names:ns.slice(k,k+10)}));return{deleted:ns.length}}
const ops={plan,operate,describe,forget};
exports.handler=async e=>ops[e.op](e);
`;
