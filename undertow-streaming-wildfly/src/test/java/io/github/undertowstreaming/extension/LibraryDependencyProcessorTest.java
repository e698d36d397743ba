package io.github.undertowstreaming.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.jboss.as.server.deployment.Attachable;
import org.jboss.as.server.deployment.Attachments;
import org.jboss.as.server.deployment.DeploymentPhaseContext;
import org.jboss.as.server.deployment.DeploymentUnit;
import org.jboss.as.server.deployment.SimpleAttachable;
import org.jboss.as.server.deployment.module.FilterSpecification;
import org.jboss.as.server.deployment.module.ModuleDependency;
import org.jboss.as.server.deployment.module.ModuleSpecification;
import org.jboss.as.server.deployment.module.ResourceRoot;
import org.jboss.as.web.common.WarMetaData;
import org.jboss.vfs.VFS;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What deployments are given: a web deployment the library's module, its services imported, its
 * {@code internal} package not; any other deployment nothing; a web deployment that bundles its
 * own copy of the library nothing either (it keeps its copy). The deployment unit is a stand-in
 * holding attachments, its resource roots real directories.
 */
class LibraryDependencyProcessorTest {

    @TempDir
    Path war;

    @Test
    void webDeploymentsSeeTheLibrarysApiWithItsServicesButNotItsInternals() {
        ModuleDependency d = LibraryDependencyProcessor.dependency();
        assertEquals(StreamingSubsystem.LIBRARY_MODULE, d.getDependencyModule());
        assertEquals(true, d.isImportServices());
        assertEquals(1, d.getImportFilters().size());
        FilterSpecification internal = d.getImportFilters().get(0);
        assertFalse(internal.isInclude(), "an exclusion");
        assertEquals(true, internal.getPathFilter().accept("io/github/undertowstreaming/internal"));
        assertEquals(false, internal.getPathFilter().accept("io/github/undertowstreaming"));
        assertEquals(false, internal.getPathFilter().accept("io/github/undertowstreaming/servlet"));
    }

    @Test
    void aWebDeploymentGetsTheModuleAndAnyOtherDeploymentNothing() throws Exception {
        assertEquals(Set.of(StreamingSubsystem.LIBRARY_MODULE), modulesGiven(true, false));
        assertEquals(Set.of(), modulesGiven(false, false), "an EJB jar, a RAR");
    }

    @Test
    void aWebDeploymentThatBundlesItsOwnCopyKeepsItAndGetsNoModule() throws Exception {
        assertEquals(Set.of(), modulesGiven(true, true));
    }

    /** The modules a deployment ({@code web} or not, with a copy of the library in WEB-INF/lib or not) is given. */
    private Set<String> modulesGiven(boolean web, boolean bundled) throws Exception {
        Path classes = Files.createDirectories(war.resolve("WEB-INF/classes"));
        Path lib = Files.createDirectories(war.resolve("WEB-INF/lib/undertow-streaming.jar"));
        if (bundled) {
            Files.createDirectories(lib.resolve("io/github/undertowstreaming"));
            Files.write(lib.resolve("io/github/undertowstreaming/Streaming.class"), new byte[] {0});
        }
        SimpleAttachable attachments = new SimpleAttachable();
        ModuleSpecification spec = new ModuleSpecification();
        attachments.putAttachment(Attachments.MODULE_SPECIFICATION, spec);
        attachments.putAttachment(Attachments.DEPLOYMENT_ROOT, new ResourceRoot(VFS.getChild(war.toUri()), null));
        attachments.addToAttachmentList(Attachments.RESOURCE_ROOTS, new ResourceRoot(VFS.getChild(classes.toUri()), null));
        attachments.addToAttachmentList(Attachments.RESOURCE_ROOTS, new ResourceRoot(VFS.getChild(lib.toUri()), null));
        if (web) {
            attachments.putAttachment(WarMetaData.ATTACHMENT_KEY, new WarMetaData());
        }
        new LibraryDependencyProcessor().deploy(phase("app.war", attachments));
        Set<String> modules = new java.util.TreeSet<>();
        spec.getSystemDependenciesSet().forEach(d -> modules.add(d.getDependencyModule()));
        return modules;
    }

    private static DeploymentPhaseContext phase(String name, SimpleAttachable attachments) {
        DeploymentUnit unit = (DeploymentUnit) Proxy.newProxyInstance(LibraryDependencyProcessorTest.class.getClassLoader(),
                new Class<?>[] {DeploymentUnit.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Attachable.class) {
                        try {
                            return method.invoke(attachments, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                    if (method.getName().equals("getName")) {
                        return name;
                    }
                    if (method.getName().equals("getParent")) {
                        return null;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
        return (DeploymentPhaseContext) Proxy.newProxyInstance(LibraryDependencyProcessorTest.class.getClassLoader(),
                new Class<?>[] {DeploymentPhaseContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getDeploymentUnit")) {
                        return unit;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }
}
