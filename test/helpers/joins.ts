// Where code outside src/model/ matches probe results or owners to instances itself (issue 16: the
// model's helpers in src/model/instances.ts are the only place that does). Read with TypeScript's
// own checker, so a type is known by what it is, not by how a line spells it. Three shapes:
// - a map or record from strings to ProbeResult or InstanceOwners (a table to look answers up in);
// - `.uuid === .uuid` between an Instance and a ProbeResult (a join by hand);
// - `.find`/`.filter`/`.findIndex`/`.some` over an array of ProbeResult (a lookup of one answer).
// And prose read as a protocol: a probe's words (summary, reason, planeNote, a step's meaning, all
// declared in src/model/probe.ts) taken apart with a string method or a regular expression.
import path from 'node:path';
import ts from 'typescript';

export interface Join {
	/** The file, relative to `base`. */
	file: string;
	line: number;
	shape: 'map' | 'uuid-compare' | 'lookup' | 'parse';
	text: string;
}

const WATCHED = new Set(['ProbeResult', 'InstanceOwners']);

/** The name of a type's symbol when it is one of the watched model types, else null. */
function watchedName(type: ts.Type): string | null {
	const name = (type.aliasSymbol ?? type.getSymbol())?.getName();
	return name !== undefined && WATCHED.has(name) ? name : null;
}

function isMapOfWatched(checker: ts.TypeChecker, type: ts.Type): boolean {
	const name = (type.aliasSymbol ?? type.getSymbol())?.getName();
	if (name === 'Map' || name === 'ReadonlyMap') {
		const args = checker.getTypeArguments(type as ts.TypeReference);
		return args.length === 2 && watchedName(args[1]!) !== null;
	}
	// Record<string, X> and {[uuid: string]: X}.
	const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
	return index !== undefined && watchedName(index.type) !== null;
}

function elementType(checker: ts.TypeChecker, type: ts.Type): ts.Type | null {
	if (!checker.isArrayType(type) && !checker.isTupleType(type)) return null;
	return checker.getTypeArguments(type as ts.TypeReference)[0] ?? null;
}

/** Through `x!`, `(x)`, `x ?? ''` and `x as string` to what is read. */
function skipOuter(node: ts.Expression): ts.Expression {
	if (ts.isNonNullExpression(node) || ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return skipOuter(node.expression);
	if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) return skipOuter(node.left);
	return node;
}

const uuidOwner = (checker: ts.TypeChecker, node: ts.Expression): string | null => {
	if (!ts.isPropertyAccessExpression(node) || node.name.text !== 'uuid') return null;
	const owner = checker.getTypeAtLocation(node.expression).getNonNullableType();
	return (owner.aliasSymbol ?? owner.getSymbol())?.getName() ?? null;
};

const WORDS = new Set(['summary', 'reason', 'planeNote', 'meaning']);
const STRING_READERS = new Set(['startsWith', 'endsWith', 'includes', 'match', 'matchAll', 'split', 'indexOf', 'lastIndexOf', 'search', 'replace', 'replaceAll', 'slice', 'substring', 'at']);

/** `x.summary` (and the other words) of a probe answer: a property declared in src/model/probe.ts. */
function isProbeWords(checker: ts.TypeChecker, node: ts.Expression): boolean {
	if (!ts.isPropertyAccessExpression(node) || !WORDS.has(node.name.text)) return false;
	const declarations = checker.getSymbolAtLocation(node.name)?.declarations ?? [];
	return declarations.some((d) => d.getSourceFile().fileName.endsWith('/src/model/probe.ts'));
}

/** Every join of `files` (absolute paths), compiled with the project's tsconfig at `base`. */
export function joinsIn(base: string, files: readonly string[]): Join[] {
	const config = ts.getParsedCommandLineOfConfigFile(path.join(base, 'tsconfig.json'), {}, {...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {}});
	if (!config) throw new Error(`cannot read ${base}/tsconfig.json`);
	const program = ts.createProgram({rootNames: [...files], options: config.options});
	const checker = program.getTypeChecker();
	const found: Join[] = [];
	for (const file of files) {
		const source = program.getSourceFile(file);
		if (!source) throw new Error(`not compiled: ${file}`);
		const report = (node: ts.Node, shape: Join['shape']) => {
			const {line} = source.getLineAndCharacterOfPosition(node.getStart(source));
			found.push({file: path.relative(base, file), line: line + 1, shape, text: node.getText(source).split('\n')[0]!.slice(0, 100)});
		};
		const visit = (node: ts.Node): void => {
			if ((ts.isVariableDeclaration(node) || ts.isPropertySignature(node) || ts.isPropertyDeclaration(node) || ts.isParameter(node)) && isMapOfWatched(checker, checker.getTypeAtLocation(node.name))) {
				report(node, 'map');
			} else if (ts.isFunctionLike(node) && node.type && isMapOfWatched(checker, checker.getTypeFromTypeNode(node.type))) {
				report(node.type, 'map');
			} else if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(node.operatorToken.kind)) {
				const sides = [uuidOwner(checker, node.left), uuidOwner(checker, node.right)];
				if (sides.includes('Instance') && sides.includes('ProbeResult')) report(node, 'uuid-compare');
			} else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
				const method = node.expression.name.text;
				const receiver = node.expression.expression;
				const element = ['find', 'filter', 'findIndex', 'some'].includes(method) ? elementType(checker, checker.getTypeAtLocation(receiver).getNonNullableType()) : null;
				if (element && watchedName(element) === 'ProbeResult') report(node, 'lookup');
				else if (STRING_READERS.has(method) && isProbeWords(checker, skipOuter(receiver))) report(node, 'parse');
				else if (['test', 'exec'].includes(method) && node.arguments.some((a) => isProbeWords(checker, skipOuter(a)))) report(node, 'parse');
			}
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
	return found;
}
